using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Experiments.Tests.Planning;

/// <summary>Extending a job: which specs extend which, where the job's trials lie in the larger plan, and early stopping's decisions across an extension.</summary>
public sealed class JobExtensionTests
{
    private static string Random(string seeds = "[1, 2]", int samples = 6, string extra = "", string optimizers = """
            - { name: sgdm, lr: { log_uniform: [0.001, 0.3] }, momentum: { uniform: [0.8, 0.99] } }
            - { name: adam, lr: { log_uniform: [0.0001, 0.1] } }
            - { name: sgd, lr: 0.1 }
        """) => $"""
        name: r
        data: {"{"} synthetic: blobs, samples: 100 {"}"}
        models: [logistic, gaussian-shared]
        epochs: 9
        seeds: {seeds}
        search: {"{"} method: random, samples: {samples}, seed: 7 {"}"}
        {extra}
        grid:
          optimizer:
        {optimizers}
        """;

    private const string Asha = "early_stopping: { method: asha, metric: validation_accuracy, grace_epochs: 1, reduction: 3 }";

    private static SweepSpec Spec(string text) => SpecParser.Parse(text, "s.yaml");

    [Fact]
    public void More_seeds_samples_or_levels_extend_a_job_and_anything_else_is_refused_with_the_reason()
    {
        var job = Spec(Random());
        Assert.Null(JobExtension.Problem(job, Spec(Random(seeds: "[1, 2, 3]"))));
        Assert.Null(JobExtension.Problem(job, Spec(Random(samples: 12))));
        Assert.Null(JobExtension.Problem(job, Spec(Random(optimizers: "    - { name: sgdm, lr: { log_uniform: [0.001, 0.3] }, momentum: { uniform: [0.8, 0.99] } }\n    - { name: adam, lr: { log_uniform: [0.0001, 0.1] } }\n    - { name: sgd, lr: 0.1 }\n    - { name: rmsprop, lr: 0.01 }"))));
        Assert.Contains("epochs", JobExtension.Problem(job, Spec(Random().Replace("epochs: 9", "epochs: 10"))));
        Assert.Contains("seed 2", JobExtension.Problem(job, Spec(Random(seeds: "[1, 3]"))));
        Assert.Contains("fewer", JobExtension.Problem(job, Spec(Random(samples: 3))));
        Assert.Contains("adds no trial", JobExtension.Problem(job, job));
        Assert.Contains("search seed", JobExtension.Problem(job, Spec(Random().Replace("seed: 7", "seed: 8"))));
        Assert.Contains("optimizer level sgd(lr=0.1)", JobExtension.Problem(job, Spec(Random(optimizers: "    - { name: sgdm, lr: { log_uniform: [0.001, 0.3] }, momentum: { uniform: [0.8, 0.99] } }\n    - { name: adam, lr: { log_uniform: [0.0001, 0.1] } }"))) ?? "");
        // Under early stopping the cells stay as they are: its cohorts are ordered by them.
        var asha = Spec(Random(extra: Asha));
        Assert.Null(JobExtension.Problem(asha, Spec(Random(extra: Asha, seeds: "[1, 2, 5]", samples: 9))));
        Assert.Contains("seeds and samples only", JobExtension.Problem(asha, Spec(Random(extra: Asha, optimizers: "    - { name: sgdm, lr: { log_uniform: [0.001, 0.3] }, momentum: { uniform: [0.8, 0.99] } }\n    - { name: adam, lr: { log_uniform: [0.0001, 0.1] } }\n    - { name: sgd, lr: 0.1 }\n    - { name: rmsprop, lr: 0.01 }"))));
    }

    [Theory]
    [InlineData("[1, 2, 3]", 6)]
    [InlineData("[0, 1, 2]", 6)]
    [InlineData("[1, 2]", 12)]
    [InlineData("[2, 1, 9]", 7)]
    public void Every_trial_of_the_job_keeps_its_key_seed_and_drawn_values_in_the_larger_plan(string seeds, int samples)
    {
        var small = new TrialPlan(Spec(Random()));
        var large = new TrialPlan(Spec(Random(seeds: seeds, samples: samples)));
        var (map, problem) = JobExtension.Map(small, large);
        Assert.Null(problem);
        for (long i = 0; i < small.Count; i++)
        {
            Assert.Equal(small[i].Key, large[map![i]].Key);
            Assert.Equal((small[i].TrainingSeed, small[i].SplitSeed), (large[map[i]].TrainingSeed, large[map[i]].SplitSeed));
        }
        Assert.Equal(small.Count, map!.Distinct().Count());
    }

    [Fact]
    public void A_random_search_orders_its_trials_seed_by_seed_then_sample_by_sample()
    {
        var plan = new TrialPlan(Spec(Random(seeds: "[1]", samples: 3)));
        // Sample 0: every cell (the fixed sgd pair once); later samples: only the cells that draw.
        var samples = Enumerable.Range(0, (int)plan.Count).Select(i => plan[i].Sample).ToList();
        Assert.Equal(samples.Order(), samples);
        Assert.Equal(1, plan.All().Count(t => t.Key.Contains("sgd(lr=0.1)") && t.Key.Contains("logistic")));
        Assert.Equal(plan.Count, Enumerable.Range(0, plan.Models).Sum(m => plan.TrialsOfModel(m)));
        Assert.All(Enumerable.Range(0, (int)plan.Count), i => Assert.Equal(plan.ModelOf(i), plan.Spec.Models.IndexOf(plan.Spec.Models.First(m => plan[i].Key.StartsWith(m.ToString(), StringComparison.Ordinal)))));
    }

    /// <summary>Early stopping's decisions as workers would meet them: each trial in turn climbs the rungs while it is told to go on.</summary>
    private static Dictionary<string, List<bool>> Decide(TrialPlan plan)
    {
        var ladder = new CohortLadder(plan.Spec.EarlyStopping!, plan);
        var rungs = plan.Spec.EarlyStopping!.Rungs(plan.Spec.Epochs).Count;
        var decisions = new Dictionary<string, List<bool>>();
        for (long i = 0; i < plan.Count; i++)
        {
            var key = plan[i].Key;
            var taken = decisions[key] = [];
            if (!plan.IsTrained(i)) continue;
            var scores = new List<double>();
            for (var r = 1; r <= rungs; r++)
            {
                var score = TrialPlan.Hash($"{key}|{r}") % 1000 / 1000.0;
                scores.Add(score);
                var go = Assert.Single(ladder.Reached(i, r, score), d => d.Index == i).Continue;
                taken.Add(go);
                if (!go) break;
            }
            ladder.Ended(i, scores);
        }
        return decisions;
    }

    [Fact]
    public void Early_stopping_decides_every_trial_of_a_job_as_it_would_in_the_job_with_more_seeds_and_samples()
    {
        var small = Decide(new TrialPlan(Spec(Random(extra: Asha))));
        var large = Decide(new TrialPlan(Spec(Random(extra: Asha, seeds: "[1, 2, 3]", samples: 12))));
        Assert.Contains(small.Values, d => d.Contains(false));   // some trials stop: the decisions are not all alike
        foreach (var (key, decisions) in small) Assert.Equal(decisions, large[key]);
    }
}
