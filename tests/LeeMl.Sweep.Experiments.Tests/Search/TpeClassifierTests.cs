using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Trials;

namespace LeeMl.Sweep.Experiments.Tests.Search;

/// <summary>TPE over the built-in classifiers: each cell of the listed levels (model × optimizer × schedule × warm-up × noise) learns on its own, over every distribution of its components, the model's batch_size included.</summary>
public sealed class TpeClassifierTests
{
    private const string Moons = """
        name: moons-tpe
        data: { synthetic: moons }
        models:
          - logistic
          - { name: mlp, hidden: { int_uniform: [4, 32] }, batch_size: { choice: [16, 32, 64] } }
        epochs: 3
        seeds: [1, 2]
        search: { method: tpe, samples: 14, seed: 5, parallelism: 2 }
        grid:
          optimizer:
            - { name: sgdm, lr: { log_uniform: [0.001, 0.3] }, momentum: { uniform: [0.5, 0.99] } }
            - { name: adam, lr: { log_uniform: [0.0001, 0.1] } }
          warmup: [none, { steps: { int_uniform: [1, 20] } }]
        """;

    [Fact]
    public void Each_cell_of_the_listed_levels_searches_its_components_distributions_in_draw_order()
    {
        var spec = SpecParser.Parse(Moons, "moons.yaml");
        var plan = new TrialPlan(spec);
        Assert.True(plan.IsTpe);
        Assert.Equal(2 * 2 * 2, plan.TpeCells);   // model × optimizer × warm-up
        Assert.Equal(plan.TpeCells * 14L * 2, plan.Count);
        // logistic|sgdm|-|none: lr, momentum; mlp|adam|-|warmup: batch_size (a choice of 3), hidden, lr, steps.
        Assert.Equal("logistic|sgdm(lr=log_uniform[0.001, 0.3], momentum=uniform[0.5, 0.99])|-|-|-", plan.TpeCellText(0));
        Assert.Equal([0, 0], plan.TpeDimensions(0).Select(d => d.Categories));
        var last = plan.TpeCells - 1;
        Assert.StartsWith("mlp(batch_size=choice[16, 32, 64], hidden=int_uniform[4, 32])|adam(", plan.TpeCellText(last));
        Assert.Equal([3, 0, 0, 0], plan.TpeDimensions(last).Select(d => d.Categories));
        var trial = plan.At(plan.TpeIndex(last, 3, 1), [0.99, 0.5, 0.0, 0.5]);
        Assert.Equal("mlp(batch_size=64, hidden=18)|adam(lr=0.0001)|-|warmup(steps=11)|-|seed=2", trial.Key);
        Assert.Equal(1, plan.ModelOf(plan.TpeIndex(last, 3, 1)));
        Assert.Equal(0, plan.ModelOf(plan.TpeIndex(1, 0, 0)));
        Assert.Equal(64, Learning.Models.ModelCatalog.BatchSize(trial.Model, spec.BatchSize));
    }

    [Fact]
    public void A_warm_start_takes_over_an_earlier_search_only_when_every_axis_of_its_cells_is_the_same()
    {
        var spec = SpecParser.Parse(Moons, "moons.yaml");
        var moreSamples = SpecParser.Parse(Moons.Replace("samples: 14", "samples: 20"), "moons.yaml");
        var otherOptimizer = SpecParser.Parse(Moons.Replace("name: adam, lr: { log_uniform: [0.0001, 0.1] }", "name: adam, lr: { log_uniform: [0.0001, 0.2] }"), "moons.yaml");
        var otherWarmup = SpecParser.Parse(Moons.Replace("int_uniform: [1, 20]", "int_uniform: [1, 30]"), "moons.yaml");
        Assert.Null(WarmStart.Problem(spec, moreSamples, "earlier"));
        Assert.Contains("a TPE search takes over the trials of an earlier job of the same search only", WarmStart.Problem(spec, otherOptimizer, "earlier"));
        Assert.Contains("a TPE search takes over the trials of an earlier job of the same search only", WarmStart.Problem(spec, otherWarmup, "earlier"));
    }

    [Fact]
    public void The_objective_is_the_metric_the_spec_names_at_the_last_epoch_and_a_diverged_trial_is_worst()
    {
        var spec = SpecParser.Parse(Moons, "moons.yaml");
        var byLoss = SpecParser.Parse(Moons + "\nobjective: { metric: validation_loss, goal: minimize }\n", "moons.yaml");
        var result = new TrialResult("k", "logistic", null, null, null, null, 1, TrialOutcome.Completed, null, null, 0.9, 0.8, 0.7, 0.3, 0.4, 2, null, []);
        Assert.Equal(0.8, spec.ObjectiveOf(result));
        Assert.Equal(0.4, byLoss.ObjectiveOf(result));
        Assert.Null(spec.ObjectiveOf(result with { ValidationAccuracy = double.NaN, Outcome = TrialOutcome.Diverged }));
    }

    [Fact]
    public void The_search_trains_the_proposed_classifiers_and_gives_the_same_trials_whatever_order_results_arrive_in()
    {
        var spec = SpecParser.Parse(Moons, "moons.yaml");
        List<string> Run(Func<long, bool> late)
        {
            var plan = new TrialPlan(spec);
            var ledger = new TpeLedger(plan);
            var data = new DataLoader((string?)null);
            var held = new List<(long Index, double? Value)>();
            var lines = new List<string>();
            for (long i = 0; i < plan.Count; i++)
            {
                while (!ledger.IsReady(i))
                {
                    ledger.Ended(held[0].Index, held[0].Value);
                    held.RemoveAt(0);
                }
                var trial = plan.At(i, ledger.Draws(i));
                var classifier = ClassifierTrial.Start(spec, trial, data);
                classifier.RunUntil(int.MaxValue, null, CancellationToken.None);
                var result = classifier.Result();
                lines.Add(ResultJson.Summary(result));
                if (late(i)) held.Add((i, spec.ObjectiveOf(result)));
                else ledger.Ended(i, spec.ObjectiveOf(result));
            }
            return lines;
        }
        var inOrder = Run(_ => false);
        var lateOnes = Run(i => i % 3 == 1);
        Assert.Equal(inOrder, lateOnes);
        Assert.Contains(inOrder, l => l.Contains("\"key\":\"mlp(batch_size=16,") || l.Contains("\"key\":\"mlp(batch_size=32,"));
        Assert.All(inOrder, l => Assert.Contains("\"sample\":", l));
    }
}
