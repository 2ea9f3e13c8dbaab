using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Schedules;

namespace LeeMl.Sweep.Optim.Tests.Schedules;

public sealed class ScheduleCatalogTests
{
    private static ISchedule Create(string name, double? lr, long? total, params (string, string)[] pairs) =>
        ScheduleCatalog.Create(ComponentSpec.FromPairs(name, pairs.Select(p => KeyValuePair.Create(p.Item1, p.Item2))), new ScheduleContext(lr, total));

    [Fact]
    public void Lr_and_total_steps_default_to_the_optimizer_and_the_run()
    {
        var cosine = Assert.IsType<Cosine>(Create("cosine", 0.05, 200));
        Assert.Equal(0.05, cosine.Lr);
        Assert.Equal(200, cosine.TotalSteps);
        var cyclic = Assert.IsType<Cyclic>(Create("cyclic", 0.05, null, ("step_size_up", "20")));
        Assert.Equal(0.05, cyclic.MaxLr);
        Assert.Equal(0.005, cyclic.BaseLr, 15);
        var oneCycle = Assert.IsType<OneCycle>(Create("one-cycle", 0.05, 300));
        Assert.Equal(300, oneCycle.TotalSteps);
    }

    [Fact]
    public void Warmup_hands_the_rest_of_the_run_to_the_following_schedule()
    {
        var w = Assert.IsType<WarmupLinear>(Create("warmup-linear", 0.1, 100, ("warmup_steps", "10"), ("then", "cosine")));
        Assert.Equal(90, Assert.IsType<Cosine>(w.Then).TotalSteps);
        Assert.Equal(0.0, w.LearningRate(0));
        Assert.Equal(0.05, w.LearningRate(5), 15);
        Assert.Equal(0.1, w.LearningRate(10), 15);
    }

    [Theory]
    [InlineData("cosine", "total_steps", "is required")]
    [InlineData("step", "step_size", "is required")]
    [InlineData("cyclic", "step_size_up", "is required")]
    [InlineData("nope", "", "unknown schedule 'nope'; known: constant")]
    public void Missing_and_unknown_are_named(string name, string key, string message)
    {
        var e = Assert.Throws<HyperparameterException>(() => Create(name, 0.1, null));
        Assert.Contains(key, e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Bad_values_are_named_with_their_range()
    {
        var e = Assert.Throws<HyperparameterException>(() => Create("one-cycle", 0.1, 100, ("pct_start", "1.5")));
        Assert.Contains("pct_start = 1.5 is out of range; allowed: 0 < pct_start < 1", e.Message);
        e = Assert.Throws<HyperparameterException>(() => Create("cyclic", 0.1, 100, ("step_size_up", "10"), ("mode", "sawtooth")));
        Assert.Contains("mode = 'sawtooth' is not allowed; allowed: triangular, triangular2, exp_range", e.Message);
        e = Assert.Throws<HyperparameterException>(() => Create("step", 0.1, 100, ("step_size", "2.5")));
        Assert.Contains("whole number", e.Message);
    }

    [Fact]
    public void One_cycle_holds_its_last_value_past_the_end()
    {
        var s = Create("one-cycle", 0.1, 50);
        Assert.Equal(s.LearningRate(49), s.LearningRate(60));
    }
}

public sealed class ComponentSpecTextTests
{
    [Theory]
    [InlineData("adam")]
    [InlineData("adam(beta1=0.9, lr=0.003)")]
    [InlineData("warmup-linear(then=cosine(eta_min=0, lr=0.1, total_steps=40), warmup_steps=10)")]
    [InlineData("one-cycle(anneal=linear, cycle_momentum=true, max_lr=0.05)")]
    [InlineData("lookahead(alpha=0.5, inner=adam(lr=0.02), k=5)")]
    public void Parse_reads_back_what_ToString_wrote(string text) =>
        Assert.Equal(text, LeeMl.Sweep.Optim.Hyper.ComponentSpec.Parse(text).ToString());
}
