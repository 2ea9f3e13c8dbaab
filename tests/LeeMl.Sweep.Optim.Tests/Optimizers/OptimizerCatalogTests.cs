using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Optimizers;
using LeeMl.Sweep.Optim.Problems;

namespace LeeMl.Sweep.Optim.Tests.Optimizers;

public sealed class OptimizerCatalogTests
{
    private static ComponentSpec Spec(string name, params (string Key, double Value)[] ps) =>
        ps.Aggregate(new ComponentSpec(name), (s, p) => s.With(p.Key, p.Value));

    [Theory]
    [InlineData("adam", "beta1", 1.5, "0 <= beta1 < 1")]
    [InlineData("adam", "beta2", -0.1, "0 <= beta2 < 1")]
    [InlineData("sgdm", "momentum", 1.0, "0 <= momentum < 1")]
    [InlineData("rmsprop", "lr", -0.01, "0 <= lr")]
    [InlineData("adagrad", "weight_decay", -1, "0 <= weight_decay")]
    [InlineData("adabound", "gamma", 2, "0 < gamma < 1")]
    [InlineData("nadam", "eps", double.NaN, "0 <= eps")]
    public void A_bad_value_names_parameter_value_and_range(string name, string key, double value, string range)
    {
        var spec = Spec(name, ("lr", 0.01)).With(key, value);
        var e = Assert.Throws<HyperparameterException>(() => OptimizerCatalog.Create(spec, 2));
        Assert.Contains($"'{name}'", e.Message);
        Assert.Contains($"{key} = ", e.Message);
        Assert.Contains(range, e.Message);
    }

    [Fact]
    public void An_unknown_optimizer_lists_the_known_ones()
    {
        var e = Assert.Throws<HyperparameterException>(() => OptimizerCatalog.Create(new ComponentSpec("adamx"), 2));
        Assert.Contains("unknown optimizer 'adamx'", e.Message);
        foreach (var n in new[] { "sgd", "sgdm", "nag", "adagrad", "rmsprop", "adam", "amsgrad", "adamw", "sgdw", "nadam", "radam", "adabound", "lookahead" })
            Assert.Contains(n, e.Message);
    }

    [Fact]
    public void An_unknown_hyperparameter_lists_the_known_ones()
    {
        var e = Assert.Throws<HyperparameterException>(() => OptimizerCatalog.Create(Spec("adam", ("mom", 0.9)), 2));
        Assert.Contains("unknown hyperparameter 'mom'", e.Message);
        Assert.Contains("beta1", e.Message);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("sgdm")]
    [InlineData("nag")]
    [InlineData("sgdw")]
    public void A_required_learning_rate_is_required(string name)
    {
        var spec = name == "sgdw" ? Spec(name, ("weight_decay", 0.01)) : new ComponentSpec(name);
        var e = Assert.Throws<HyperparameterException>(() => OptimizerCatalog.Create(spec, 2));
        Assert.Contains("'lr' is required", e.Message);
    }

    [Fact]
    public void Lookahead_takes_its_inner_optimizer_from_dotted_pairs_and_rejects_nesting_itself()
    {
        var spec = ComponentSpec.FromPairs("lookahead", [new("k", "6"), new("inner", "adam"), new("inner.lr", "0.02")]);
        var opt = Assert.IsType<Lookahead>(OptimizerCatalog.Create(spec, 2));
        Assert.Equal("adam", opt.Inner.Name);
        Assert.Equal(0.02, opt.Inner.LearningRate);
        var nested = ComponentSpec.FromPairs("lookahead", [new("inner", "lookahead"), new("inner.inner", "sgd")]);
        Assert.Throws<HyperparameterException>(() => OptimizerCatalog.Create(nested, 2));
    }

    [Fact]
    public void Every_optimizer_descends_on_the_quadratic_bowl()
    {
        foreach (var name in OptimizerCatalog.Names)
        {
            var spec = name switch
            {
                "lookahead" => ComponentSpec.FromPairs(name, [new("inner", "sgdm"), new("inner.lr", "0.02")]),
                "sgdw" => Spec(name, ("lr", 0.02), ("weight_decay", 0.01)),
                "adagrad" or "adabound" or "radam" => Spec(name, ("lr", 0.3)),
                _ => Spec(name, ("lr", 0.02)),
            };
            var problem = new Quadratic();
            var updater = new Updater(OptimizerCatalog.Create(spec, 2));
            double[] x = [3, 1], g = new double[2];
            var start = problem.Loss(x);
            for (var i = 0; i < 300; i++)
            {
                problem.Gradient(x, g);
                updater.Apply(x, g);
            }
            Assert.True(problem.Loss(x) < start / 20, $"{name}: loss {problem.Loss(x)} from {start}");
        }
    }

    [Fact]
    public void Adam_with_beta1_zero_is_rmsprop_with_bias_correction()
    {
        // The lecture's "Adam = SGDM + RMSProp": without momentum, Adam's step is g/√(v/(1−β₂ᵗ)).
        const double lr = 0.01, b2 = 0.99;
        var adam = new Adam("adam", 2, lr, 0, b2, 0, 0, false, false);
        double[] x = [1, -2], y = [1, -2], v = [0, 0];
        var problem = new Rosenbrock();
        var g = new double[2];
        for (long t = 1; t <= 20; t++)
        {
            problem.Gradient(x, g);
            adam.Step(x, g);
            problem.Gradient(y, g);
            for (var j = 0; j < 2; j++)
            {
                v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
                y[j] -= lr * g[j] / Math.Sqrt(v[j] / (1 - Math.Pow(b2, t)));
            }
            Assert.Equal(y[0], x[0], 12);
            Assert.Equal(y[1], x[1], 12);
        }
    }

    [Fact]
    public void AdamW_decay_is_not_adam_with_l2()
    {
        var problem = new Rosenbrock();
        double[] a = [-1, 1], b = [-1, 1], g = new double[2];
        var adamw = OptimizerCatalog.Create(Spec("adamw", ("lr", 0.02), ("weight_decay", 0.1)), 2);
        var adamL2 = OptimizerCatalog.Create(Spec("adam", ("lr", 0.02), ("weight_decay", 0.1)), 2);
        for (var i = 0; i < 50; i++)
        {
            problem.Gradient(a, g);
            adamw.Step(a, g);
            problem.Gradient(b, g);
            adamL2.Step(b, g);
        }
        Assert.True(Math.Abs(a[0] - b[0]) > 1e-3, $"{a[0]} vs {b[0]}");
    }

    [Fact]
    public void A_cycled_momentum_needs_an_optimizer_with_momentum()
    {
        var schedule = ComponentSpec.FromPairs("one-cycle", [new("max_lr", "0.1"), new("total_steps", "100"), new("cycle_momentum", "true")]);
        var e = Assert.Throws<HyperparameterException>(() => Updater.Create(Spec("sgd", ("lr", 0.1)), 2, schedule));
        Assert.Contains("cycle_momentum", e.Message);
        Updater.Create(Spec("adam"), 2, schedule);   // beta1 is cycled
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("sgdm")]
    [InlineData("adam")]
    [InlineData("amsgrad")]
    [InlineData("adamw")]
    [InlineData("nadam")]
    [InlineData("radam")]
    [InlineData("adabound")]
    [InlineData("lookahead")]
    public void Steps_allocate_nothing(string name)
    {
        var spec = name == "lookahead" ? ComponentSpec.FromPairs(name, [new("inner", "adam")]) : Spec(name, ("lr", 0.01));
        var schedule = ComponentSpec.FromPairs("warmup-linear", [new("warmup_steps", "10"), new("then", "one-cycle"), new("then.max_lr", "0.1")]);
        var updater = Updater.Create(spec, 1000, schedule, totalSteps: 5000, noise: new LeeMl.Sweep.Optim.Noise.GradientNoise(0.01, 0.55, 1));
        var x = new double[1000];
        var g = Enumerable.Range(0, 1000).Select(i => Math.Sin(i)).ToArray();
        // Steady state: let tiered compilation finish its one-time work (call counting, tier-up) first.
        for (var i = 0; i < 2000; i++) updater.Apply(x, g);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 500; i++) updater.Apply(x, g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
