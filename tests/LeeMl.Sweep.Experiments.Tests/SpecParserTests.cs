using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Experiments.Tests;

public sealed class SpecParserTests
{
    private const string Valid = """
        name: t
        data: { synthetic: blobs, samples: 400, features: 4 }
        models: [logistic, gaussian-shared]
        epochs: 3
        seeds: [1, 2]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
          schedule: [ none, { name: one-cycle } ]
        """;

    private static string Error(string text)
    {
        var e = Assert.Throws<SpecException>(() => SpecParser.Parse(text, "s.yaml"));
        return e.Message;
    }

    [Fact]
    public void A_warm_up_s_steps_may_be_drawn_by_the_search_each_level_with_dimensions_of_its_own()
    {
        var spec = SpecParser.Parse("""
            name: w
            data: { synthetic: blobs }
            models: [logistic]
            search: { method: random, samples: 3, seed: 5 }
            grid:
              optimizer: [ { name: sgd, lr: 0.1 } ]
              warmup: [ none, { steps: { int_uniform: [10, 100] } }, { steps: { choice: [5, 7] } } ]
            """, "w.yaml");
        var trials = new TrialPlan(spec).All().ToList();
        Assert.Equal(9, trials.Count);   // 3 samples × 3 warm-up levels
        Assert.Equal(3, trials.Count(t => t.Warmup is null));
        var drawn = trials.Where(t => t.Warmup is not null).Select(t => ((Optim.Hyper.ParamValue.Number)t.Warmup!.Params["steps"]).Value).ToList();
        Assert.All(drawn, v => Assert.True(v == Math.Floor(v) && v >= 5 && v <= 100));
        Assert.Equal(drawn, new TrialPlan(SpecParser.Parse(spec.SpecText, "w.yaml")).All().Where(t => t.Warmup is not null)
            .Select(t => ((Optim.Hyper.ParamValue.Number)t.Warmup!.Params["steps"]).Value));   // a function of the seed, cell and sample
    }

    [Fact]
    public void A_spec_without_a_kind_is_the_built_in_classifiers_and_naming_it_changes_nothing()
    {
        var plain = SpecParser.Parse(Valid, "s.yaml");
        var named = SpecParser.Parse(Valid.Replace("name: t", "name: t\nkind: classifier"), "s.yaml");
        Assert.Equal(Trials.TrialKinds.Default, plain.Kind);
        Assert.Equal("classifier", named.Kind);
        Assert.IsType<Trials.ClassifierTrialKind>(Trials.TrialKinds.Of(plain));
        Assert.Equal(new TrialPlan(plain).All().Select(t => t.Key), new TrialPlan(named).All().Select(t => t.Key));
    }

    [Theory]
    [InlineData("epochs: 3", "epochs: three", "s.yaml:4: epochs: 'three' is not a whole number")]
    [InlineData("epochs: 3", "epochs: 0", "s.yaml:4: epochs: 0 is out of range")]
    [InlineData("epochs: 3", "epoch: 3", "s.yaml:4: epoch: unknown key 'epoch'; known: name, data")]
    [InlineData("{ name: adam, lr: 0.003 }", "{ name: adamx, lr: 0.003 }", "s.yaml:7: grid.optimizer[1]: unknown optimizer 'adamx'; known: sgd")]
    [InlineData("{ name: adam, lr: 0.003 }", "{ name: adam, lr: -1 }", "s.yaml:7: grid.optimizer[1]: optimizer 'adam': lr = -1 is out of range; allowed: 0 <= lr")]
    [InlineData("{ name: adam, lr: 0.003 }", "{ name: adam, lr: .nan }", "s.yaml:7: grid.optimizer[1]: optimizer 'adam': lr = '.nan' is not a number")]
    [InlineData("{ name: one-cycle }", "{ name: one-cycles }", "s.yaml:8: grid.schedule[1]: unknown schedule 'one-cycles'")]
    [InlineData("[logistic, gaussian-shared]", "[logistic, lda2]", "s.yaml:3: models[1]: unknown model 'lda2'")]
    [InlineData("[logistic, gaussian-shared]", "[logistic, logistic]", "s.yaml:3: models[1]: duplicates models[0]")]
    [InlineData("synthetic: blobs", "synthetic: spirals", "s.yaml:2: data.synthetic: unknown synthetic data 'spirals'")]
    [InlineData("{ synthetic: blobs, samples: 400, features: 4 }", "{ name: mnist }", "s.yaml:2: data.name: unknown dataset 'mnist'")]
    [InlineData("schedule: [ none, { name: one-cycle } ]", "schedule: []", "s.yaml:8: grid.schedule: empty list")]
    [InlineData("schedule: [ none, { name: one-cycle } ]", "momentum: [0.9]", "s.yaml:8: grid.momentum: unknown grid axis 'momentum'")]
    [InlineData("seeds: [1, 2]", "seeds: [1, -2]", "s.yaml:5: seeds[1]: -2 is out of range")]
    [InlineData("name: t", "name: t t", "s.yaml:1: name: name 't t' must be letters")]
    [InlineData("name: t", "name: t\nkind: pytorch", "s.yaml:2: kind: unknown kind 'pytorch'; known: classifier")]
    [InlineData("epochs: 3", "epochs: 3\nbatch_size: { choice: [16, 32] }", "s.yaml:5: batch_size: batch_size is one whole number for the whole sweep")]
    [InlineData("schedule: [ none, { name: one-cycle } ]", "warmup: [ { steps: { uniform: [1, 9] } } ]", "s.yaml:8: grid.warmup[0].steps: a warm-up's steps are whole numbers >= 1")]
    [InlineData("epochs: 3", "epochs: [3", "s.yaml:")]
    public void A_malformed_spec_gets_one_error_with_file_line_and_path(string replace, string with, string expected)
    {
        Assert.Contains(replace, Valid);
        Assert.StartsWith(expected, Error(Valid.Replace(replace, with)));
    }

    [Fact]
    public void Missing_keys_empty_spec_and_grid_size_limit_are_named()
    {
        Assert.StartsWith("s.yaml:1: the spec is empty", Error(""));
        Assert.Contains("missing key 'models'", Error("name: t\ndata: { synthetic: blobs }\n"));
        Assert.Contains("missing grid.optimizer", Error("name: t\ndata: { synthetic: blobs }\nmodels: [mlp]\n"));
        Assert.Contains("the grid has 10 trials, over the limit of 5", Error(Valid + "\nmax_trials: 5\n"));
        Assert.Contains("s.yaml:1: a spec is a mapping", Error("- a\n- b\n"));
    }

    [Theory]
    [InlineData(Valid)]
    [InlineData("name: r\ndata: { synthetic: blobs }\nmodels: [logistic, { name: mlp, hidden: { int_uniform: [4, 9] } }, gaussian-shared]\nseeds: [1, 2, 3]\nsearch: { method: random, samples: 5 }\ngrid:\n  optimizer: [ { name: sgd, lr: { log_uniform: [0.001, 0.1] } }, { name: adam, lr: 0.01 } ]\n  schedule: [ none, { name: one-cycle }, { name: cyclic, step_size_up: { int_uniform: [10, 50] } } ]\n  warmup: [ none, { steps: 5 } ]\n  gradient_noise: [ none, { eta: 0.01 } ]\n")]
    [InlineData("name: s\ndata: { synthetic: blobs }\nmodels: [logistic, lda, { name: mlp, hidden: 3, dropout: { uniform: [0, 0.5] } }]\nsearch: { method: sobol, samples: 4 }\ngrid:\n  optimizer: [ { name: sgd, lr: 0.1 }, { name: adam, lr: 0.01 } ]\n  warmup: [ none, { steps: { int_uniform: [1, 9] } } ]\n")]
    public void The_trial_count_from_the_axis_sizes_equals_the_plan_s(string text)
    {
        var spec = SpecParser.Parse(text, "c.yaml");
        var plan = new TrialPlan(spec);
        Assert.Equal(plan.Count, TrialPlan.CountOf(spec));
        Assert.Equal(plan.Count, plan.All().LongCount());
    }

    private static string Axis(int n, Func<int, string> item) => "[" + string.Join(", ", Enumerable.Range(1, n).Select(item)) + "]";

    private static string Wide(int models, int optimizers, int schedules, int warmups, int noises, int seeds) => $"""
        name: wide
        data: {"{"} synthetic: blobs {"}"}
        models: {Axis(models, k => $"{{ name: mlp, hidden: {k} }}")}
        seeds: {Axis(seeds, k => k.ToString(System.Globalization.CultureInfo.InvariantCulture))}
        grid:
          optimizer: {Axis(optimizers, k => $"{{ name: sgd, lr: {k}e-6 }}")}
          schedule: {Axis(schedules, k => $"{{ name: cyclic, step_size_up: {k} }}")}
          warmup: {Axis(warmups, k => $"{{ steps: {k} }}")}
          gradient_noise: {Axis(noises, k => $"{{ eta: {k}e-6 }}")}
        """;

    [Fact]
    public void A_grid_that_multiplies_past_the_limit_is_refused_from_its_axis_sizes_before_any_combination_is_built()
    {
        // 4,000 × 4,000 × 4,000 combinations: building each (as validation does within the limit) would take hours.
        Assert.Contains("the grid has 64000000000 trials, over the limit of 100000", Error(Wide(1, 4000, 4000, 4000, 1, 1)));
    }

    [Fact]
    public void A_trial_count_past_64_bits_is_refused_not_wrapped_around()
    {
        // 1,000 models × 1,000 optimizers × 1,000 schedules × 1,000 warm-ups × 1,000 noises × 20,000 seeds = 2·10^19 > 2^63.
        Assert.Contains("more trials than a 64-bit count holds", Error(Wide(1000, 1000, 1000, 1000, 1000, 20_000)));
    }

    [Fact]
    public void Building_every_combination_can_be_cancelled_and_is_done_once_at_submit()
    {
        // 100 × 100 × 1,000 combinations, each within the limits: seconds of work to build them all.
        var legal = Wide(1, 100, 100, 1000, 1, 1) + "\nmax_trials: 10000000\nmax_curve_points: 400000000\n";
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => SpecParser.Parse(legal, "s.yaml", cancelled.Token));
        Assert.Equal(10_000_000, TrialPlan.CountOf(SpecParser.ParseAccepted(legal, "s.yaml")));
        // What only building finds (an optimizer without its learning rate) is refused at submit, and not looked for again.
        const string unbuilt = "name: t\ndata: { synthetic: blobs }\nmodels: [logistic]\ngrid: { optimizer: [sgd] }\n";
        Assert.Contains("hyperparameter 'lr' is required", Error(unbuilt));
        Assert.Equal("sgd", SpecParser.ParseAccepted(unbuilt, "s.yaml").Grid.Optimizers.Single().Name);
    }

    /// <summary>Specs built to exhaust a parser: each is refused by the limits, with one line saying which.</summary>
    public static TheoryData<string, string, string> HostileSpecs()
    {
        return new()
        {
            { "an alias bomb", LeeMl.Sweep.Tests.HostileYaml.AliasBomb(12), "values once its aliases (*name) are expanded" },
            { "flow lists nested 100,000 deep", "name: t\nmodels: " + new string('[', 100_000) + new string(']', 100_000) + "\n", "the spec nests deeper than 32 levels" },
            { "block lists nested 200,000 deep", "models:\n" + string.Concat(Enumerable.Repeat("- ", 200_000)) + "x\n", "the spec nests deeper than 32 levels" },
            { "a spec over the size cap", "name: t\n# " + new string('x', SpecLimits.MaxBytes) + "\n", "over the limit of 1,048,576" },
            { "a name of 10,000 characters", "name: " + new string('n', 10_000) + "\ndata: { synthetic: blobs }\nmodels: [lda]\n", "at most 64" },
            { "a name that is a path", "name: ../../etc\ndata: { synthetic: blobs }\nmodels: [lda]\n", "must be letters, digits" },
            { "a hidden layer of two billion units", "name: t\ndata: { synthetic: blobs }\nmodels: [{ name: mlp, hidden: 2000000000 }]\ngrid: { optimizer: [sgd] }\n", "hidden = 2000000000 is out of range" },
            { "two wide hidden layers", "name: t\ndata: { synthetic: blobs }\nmodels: [{ name: mlp, hidden: 1000000, hidden2: 1000000 }]\ngrid: { optimizer: [sgd] }\n", "over the limit of 20,000,000" },
            { "synthetic data of 10^12 values", "name: t\ndata: { synthetic: blobs, samples: 10000000, features: 100000 }\nmodels: [lda]\n", "over the limit of 20,000,000 for synthetic data" },
            { "control characters in a name", "name: \"\\e[31mred\"\ndata: { synthetic: blobs }\nmodels: [lda]\n", "\\u001b[31mred" },
        };
    }

    [Theory]
    [MemberData(nameof(HostileSpecs))]
    public void A_hostile_spec_is_refused_by_a_limit_in_one_line(string what, string text, string expected)
    {
        var before = GC.GetTotalAllocatedBytes();
        var message = Error(text);
        Assert.True(message.Contains(expected, StringComparison.Ordinal), $"{what}: {message}");
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain('\u001b', message);
        Assert.True(GC.GetTotalAllocatedBytes() - before < 200L << 20, $"{what}: refusing it allocated {(GC.GetTotalAllocatedBytes() - before) >> 20} MB");
    }

    [Fact]
    public void Anchors_and_aliases_of_ordinary_size_are_fine()
    {
        var spec = SpecParser.Parse("name: t\ndata: { synthetic: blobs, samples: 200 }\nmodels: [logistic, softmax]\nepochs: &n 4\nbatch_size: *n\ngrid: { optimizer: [{ name: sgd, lr: 0.1 }], schedule: [none, { name: cosine }] }\n", "s.yaml");
        Assert.Equal(4, new TrialPlan(spec).Count);
        Assert.Equal(4, spec.BatchSize);
    }

    [Fact]
    public void Json_is_accepted_too()
    {
        var spec = SpecParser.Parse("""{"name": "j", "data": {"synthetic": "moons"}, "models": ["mlp"], "grid": {"optimizer": [{"name": "adam"}]}}""", "s.json");
        Assert.Equal("j", spec.Name);
        Assert.Equal(1, new TrialPlan(spec).Count);
    }

    [Fact]
    public void The_grid_drops_optimizer_axes_for_closed_form_models_and_keys_are_stable()
    {
        var spec = SpecParser.Parse(Valid, "s.yaml");
        var plan = new TrialPlan(spec);
        var trials = plan.All().ToList();
        Assert.Equal((2 * 2 + 1) * 2, trials.Count);
        Assert.Equal(trials.Count, plan.Count);
        Assert.Equal(Enumerable.Range(0, trials.Count).Select(i => (long)i), trials.Select(t => t.Index));
        Assert.Equal(trials.Count, trials.Select(t => t.Key).Distinct().Count());
        Assert.Contains(trials, t => t.Key == "gaussian-shared|-|-|-|-|seed=1" && t.IsClosedForm);
        Assert.Contains(trials, t => t.Key == "logistic|adam(lr=0.003)|one-cycle|-|-|seed=2");
        var again = new TrialPlan(SpecParser.Parse(Valid, "other.yaml")).All();
        Assert.Equal(trials.Select(t => (t.Key, t.TrainingSeed, t.SplitSeed)), again.Select(t => (t.Key, t.TrainingSeed, t.SplitSeed)));
        Assert.Equal(2, trials.Select(t => t.SplitSeed).Distinct().Count());   // one validation split per seed: cells compare on the same rows
    }

    [Fact]
    public void The_built_in_default_is_the_lecture_grid_of_102_trials()
    {
        var spec = DefaultSpec.Spec;
        Assert.Equal("lecture-grid", spec.Name);
        Assert.Equal(102, new TrialPlan(spec).Count);
        Assert.Equal(File.ReadAllText(Path.Combine(LeeMl.Sweep.Tests.RepoPaths.Root, "deploy", "sweeps", "lecture-grid.yaml")), DefaultSpec.Text);
    }

    [Theory]
    [InlineData("lecture-grid.yaml")]
    [InlineData("pokemon-generative-vs-logistic.yaml")]
    [InlineData("adult-optimizers.yaml")]
    [InlineData("digits-schedules.yaml")]
    public void Every_example_spec_in_deploy_validates(string file)
    {
        var spec = SpecParser.ParseFile(Path.Combine(LeeMl.Sweep.Tests.RepoPaths.Root, "deploy", "sweeps", file));
        Assert.True(new TrialPlan(spec).Count > 0);
    }
}

public sealed class DataLoaderTests
{
    [Fact]
    public void Test_fraction_sets_the_held_out_share_and_is_validated()
    {
        var spec = SpecParser.Parse("name: t\ndata: { synthetic: blobs, samples: 1000, test_fraction: 0.3 }\nmodels: [gaussian-shared]\n", "s.yaml");
        var split = LeeMl.Sweep.Experiments.Running.DataLoader.Load(spec.Data, (string?)null);
        Assert.Equal(300, split.Test!.Rows);
        Assert.Equal(700, split.Train.Rows);
        var e = Assert.Throws<SpecException>(() => SpecParser.Parse("name: t\ndata: { synthetic: blobs, test_fraction: 1 }\nmodels: [gaussian-shared]\n", "s.yaml"));
        Assert.Contains("s.yaml:2: data.test_fraction: 1 is out of range", e.Message);
    }
}

public sealed class DataLoaderCacheTests
{
    [Fact]
    public void Validation_splits_are_a_bounded_cache_and_a_split_carved_again_is_the_same()
    {
        var spec = SpecParser.Parse("name: t\ndata: { synthetic: blobs, samples: 2000, features: 10 }\nmodels: [gaussian-shared]\n", "s.yaml");
        var loader = new Running.DataLoader(Running.DataSources.Local(null), splitBytes: 500_000);   // about three splits of 1,600 × 10 rows
        var first = loader.ForTrial(spec.Data, 0.2, 1);
        for (ulong seed = 2; seed <= 200; seed++) loader.ForTrial(spec.Data, 0.2, seed);
        Assert.InRange(loader.HeldSplits, 1, 4);
        var again = loader.ForTrial(spec.Data, 0.2, 1);
        Assert.NotSame(first, again);   // evicted, carved again
        Assert.Equal(first.Validation!.Y, again.Validation!.Y);
        Assert.Equal(first.Train.X, again.Train.X);
        Assert.Same(again, loader.ForTrial(spec.Data, 0.2, 1));   // and kept while it is recent
    }
}

/// <summary>A loader forgets a failure: the next trial tries again (a file fixed meanwhile, a fetch that works now).</summary>
public sealed class DataLoaderFailureTests
{
    [Fact]
    public void A_failed_load_is_not_remembered()
    {
        var attempts = 0;
        var sources = new Running.DataSources(Learning.Data.DataFolder.Builtin, path =>
            ++attempts == 1 ? throw new IOException("not yet") : new Learning.Data.DataFile(path, () => new MemoryStream("a,y\n1,0\n2,1\n3,0\n4,1\n"u8.ToArray())));
        var loader = new Running.DataLoader(sources);
        var data = new DataSpec("csv", System.Collections.Immutable.ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            new Dictionary<string, string> { ["path"] = "x.csv", ["label"] = "y", ["test_fraction"] = "0.5" }));
        Assert.Throws<IOException>(() => loader.Source(data));
        Assert.Equal(2, loader.Source(data).Train.Rows);
        Assert.Equal(2, attempts);
        loader.Source(data);
        Assert.Equal(2, attempts);   // a success is kept
    }
}
