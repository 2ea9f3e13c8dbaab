using System.Globalization;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Search;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Experiments.Tests.Search;

/// <summary>Drawn values are a pure function of the spec and the trial's place, lie in their range and follow their distribution.</summary>
public sealed class SearchTests
{
    private static SweepSpec Spec(string parameter, string method = "random", int samples = 4000, int seed = 11) => SpecParser.Parse($$"""
        name: draws
        data: { synthetic: blobs, samples: 200 }
        models: [logistic]
        max_trials: 1000000
        search: { method: {{method}}, samples: {{samples}}, seed: {{seed}} }
        grid:
          optimizer: [ { name: sgdm, momentum: 0.9, lr: {{parameter}} } ]
        """, "draws.yaml");

    private static List<ParamValue> Draws(SweepSpec spec) =>
        [.. new TrialPlan(spec).All().Select(t => t.Optimizer!.Params["lr"])];

    private static double[] Numbers(IEnumerable<ParamValue> values) => [.. values.Select(v => ((ParamValue.Number)v).Value)];

    /// <summary>Pearson's χ² over equal-probability bins; the 0.1 % critical value for the degrees of freedom given (no false alarm in a thousand runs).</summary>
    private static void AssertUniform(IEnumerable<int> bins, int k, double critical, string what)
    {
        var counts = new double[k];
        var n = 0;
        foreach (var b in bins) { counts[b]++; n++; }
        var expected = (double)n / k;
        var chi2 = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chi2 < critical, $"{what}: χ² = {chi2:F1} over {k} bins (critical {critical})");
    }

    [Fact]
    public void Uniform_draws_are_deterministic_in_range_and_uniform()
    {
        var spec = Spec("{ uniform: [0.5, 0.99] }");
        var values = Numbers(Draws(spec));
        Assert.Equal(values, Numbers(Draws(Spec("{ uniform: [0.5, 0.99] }"))));   // another plan of the same spec: the same draws
        Assert.NotEqual(values, Numbers(Draws(Spec("{ uniform: [0.5, 0.99] }", seed: 12))));
        Assert.All(values, v => Assert.InRange(v, 0.5, 0.99));
        Assert.All(values, v => Assert.Equal(v, Distribution.Round(v)));   // four significant digits: the key shows the value trained with
        AssertUniform(values.Select(v => Math.Min(19, (int)((v - 0.5) / 0.49 * 20))), 20, 43.82, "uniform");
    }

    [Fact]
    public void Log_uniform_draws_are_uniform_in_the_logarithm()
    {
        var values = Numbers(Draws(Spec("{ log_uniform: [0.0001, 0.1] }")));
        Assert.All(values, v => Assert.InRange(v, 0.0001, 0.1));
        AssertUniform(values.Select(v => Math.Min(19, (int)((Math.Log10(v) + 4) / 3 * 20))), 20, 43.82, "log-uniform");
    }

    [Fact]
    public void Integer_and_choice_draws_hit_every_value_equally_often()
    {
        var ints = Numbers(Draws(Spec("{ int_uniform: [3, 12] }")));
        Assert.All(ints, v => Assert.True(v >= 3 && v <= 12 && v == Math.Floor(v), $"{v}"));
        AssertUniform(ints.Select(v => (int)v - 3), 10, 27.88, "int-uniform");
        var choices = Draws(Spec("{ choice: [0.8, 0.9, 0.95, 0.99] }")).Select(v => v.ToString()).ToList();
        var options = new[] { "0.8", "0.9", "0.95", "0.99" };
        Assert.All(choices, c => Assert.Contains(c, options));
        AssertUniform(choices.Select(c => Array.IndexOf(options, c)), 4, 16.27, "choice");
    }

    [Fact]
    public void Sobol_draws_are_the_sequence_from_its_second_point_and_fill_the_range_evenly()
    {
        var spec = Spec("{ uniform: [0, 1] }", method: "sobol", samples: 1024, seed: 0);
        var values = Numbers(Draws(spec));
        for (var s = 0; s < values.Length; s++) Assert.Equal(Distribution.Round(Sobol.Point(s + 1, 0)), values[s]);
        // Low discrepancy: 1,024 points put 64 in each sixteenth, within rounding.
        var counts = values.GroupBy(v => Math.Min(15, (int)(v * 16))).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(Enumerable.Range(0, 16), b => Assert.InRange(counts.GetValueOrDefault(b), 62, 66));
    }

    [Fact]
    public void Keys_carry_the_drawn_values_seeds_replicate_a_draw_and_undrawn_cells_are_not_repeated()
    {
        var spec = SpecParser.Parse("""
            name: keys
            data: { synthetic: blobs, samples: 200 }
            models: [logistic, gaussian-shared]
            seeds: [1, 2]
            search: { method: random, samples: 3, seed: 4 }
            grid:
              optimizer: [ { name: sgdm, lr: { log_uniform: [0.001, 0.1] } }, { name: adam, lr: 0.003 } ]
            """, "keys.yaml");
        var trials = new TrialPlan(spec).All().ToList();
        Assert.Equal(2 * (3 + 1 + 1), trials.Count);   // per seed: 3 draws of sgdm, adam once, the closed-form model once
        Assert.Equal(trials.Count, trials.Select(t => t.Key).Distinct().Count());
        var sgdm = trials.Where(t => t.Optimizer?.Name == "sgdm").ToList();
        Assert.All(sgdm, t => Assert.Contains($"sgdm(lr={t.Optimizer!.Params["lr"]})", t.Key));
        Assert.Equal(sgdm.Where(t => t.Seed == 1).Select(t => t.Optimizer!.ToString()), sgdm.Where(t => t.Seed == 2).Select(t => t.Optimizer!.ToString()));
    }

    [Theory]
    [InlineData("{ log_uniform: [0.001, 0.1] }", "grid", "needs a search that draws it")]
    [InlineData("{ log_uniform: [-1, 0.1] }", "random", "log_uniform needs 0 < low")]
    [InlineData("{ uniform: [0.9, 0.5] }", "random", "uniform needs low < high")]
    [InlineData("{ uniform: [-0.5, 0.5] }", "random", "lr = -0.5 is out of range")]
    [InlineData("{ choice: [] }", "random", "choice needs 1 to 1000 values")]
    [InlineData("{ gaussian: [0, 1] }", "random", "unknown distribution 'gaussian'; known: uniform, log_uniform")]
    public void A_bad_distribution_or_search_is_refused_with_its_place(string parameter, string method, string expected)
    {
        var e = Assert.Throws<SpecException>(() => Spec(parameter, method: method, samples: method == "grid" ? 1 : 4));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("early_stopping: { method: asha, grace_epochs: 40 }", "no rung comes before the last of 30 epochs")]
    [InlineData("early_stopping: { method: hyperband }", "unknown early stopping method 'hyperband'")]
    [InlineData("early_stopping: { method: asha, metric: f1 }", "unknown metric 'f1'")]
    [InlineData("early_stopping: { method: asha }\nvalidation: 0", "needs a validation set")]
    [InlineData("search: { method: sobol, samples: 0 }", "0 is out of range")]
    public void A_bad_early_stopping_or_search_section_is_refused(string section, string expected)
    {
        var e = Assert.Throws<SpecException>(() => SpecParser.Parse($"name: t\ndata: {{ synthetic: blobs }}\nmodels: [logistic]\ngrid: {{ optimizer: [sgd] }}\n{section}\n".Replace("[sgd]", "[{ name: sgd, lr: 0.1 }]"), "t.yaml"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Rungs_are_at_grace_times_powers_of_the_reduction_or_every_grace_epochs()
    {
        Assert.Equal([1, 3, 9], new EarlyStoppingSpec(EarlyStoppingMethod.Asha, "validation_accuracy", 1, 3).Rungs(27));
        Assert.Equal([2, 8, 32], new EarlyStoppingSpec(EarlyStoppingMethod.Asha, "validation_accuracy", 2, 4).Rungs(50));
        Assert.Equal([5, 10, 15], new EarlyStoppingSpec(EarlyStoppingMethod.Median, "validation_accuracy", 5, 2).Rungs(20));
        Assert.Equal(-0.25, new EarlyStoppingSpec(EarlyStoppingMethod.Asha, "validation_loss", 1, 3).Score(new Results.EpochResult(1, 1, 0, 0, 0, 0.25, 0, 0)));
        _ = CultureInfo.InvariantCulture;
    }
}
