using System.Text;
using LeeMl.Sweep.Optim.Hyper;
using Range = LeeMl.Sweep.Optim.Hyper.Range;

namespace LeeMl.Sweep.Optim.Optimizers;

/// <summary>
/// The lecture's optimizers by name, with their hyperparameters, defaults and allowed ranges
/// (shared/spec/optimizers.md). Every value is checked when the optimizer is built.
/// </summary>
public static class OptimizerCatalog
{
    private sealed record Param(string Name, double? Default, Range Range);

    private delegate Optimizer Factory(int dimension, Func<string, double> p);

    private sealed record Entry(string Name, string Summary, Param[] Params, Factory Build);

    private static readonly Param Lr = new("lr", null, Range.NonNegative);
    private static Param LrDefault(double d) => new("lr", d, Range.NonNegative);
    private static readonly Param Momentum = new("momentum", 0.9, Range.DecayRate);
    private static readonly Param WeightDecay = new("weight_decay", 0, Range.NonNegative);
    private static readonly Param Beta1 = new("beta1", 0.9, Range.DecayRate);
    private static readonly Param Beta2 = new("beta2", 0.999, Range.DecayRate);
    private static readonly Param Eps = new("eps", 1e-8, Range.NonNegative);

    private static readonly Entry[] Entries =
    [
        new("sgd", "plain gradient descent", [Lr, WeightDecay],
            (d, p) => new Sgd(d, p("lr"), p("weight_decay"))),
        new("sgdm", "SGD with momentum (torch form)", [Lr, Momentum, WeightDecay],
            (d, p) => new MomentumSgd("sgdm", d, p("lr"), p("momentum"), p("weight_decay"), MomentumSgd.Variant.HeavyBall)),
        new("nag", "Nesterov accelerated gradient", [Lr, Momentum, WeightDecay],
            (d, p) => new MomentumSgd("nag", d, p("lr"), p("momentum"), p("weight_decay"), MomentumSgd.Variant.Nesterov)),
        new("sgdw", "SGD with momentum and decoupled weight decay", [Lr, Momentum, new("weight_decay", null, Range.NonNegative)],
            (d, p) => new MomentumSgd("sgdw", d, p("lr"), p("momentum"), p("weight_decay"), MomentumSgd.Variant.DecoupledDecay)),
        new("adagrad", "Adagrad", [LrDefault(0.01), new("eps", 1e-10, Range.NonNegative), WeightDecay],
            (d, p) => new Adagrad(d, p("lr"), p("eps"), p("weight_decay"))),
        new("rmsprop", "RMSProp (v starts at 0)", [LrDefault(0.01), new("alpha", 0.99, Range.DecayRate), Eps, WeightDecay],
            (d, p) => new RmsProp(d, p("lr"), p("alpha"), p("eps"), p("weight_decay"))),
        new("adam", "Adam", [LrDefault(1e-3), Beta1, Beta2, Eps, WeightDecay],
            (d, p) => new Adam("adam", d, p("lr"), p("beta1"), p("beta2"), p("eps"), p("weight_decay"), amsGrad: false, decoupledDecay: false)),
        new("amsgrad", "Adam with the running max of v", [LrDefault(1e-3), Beta1, Beta2, Eps, WeightDecay],
            (d, p) => new Adam("amsgrad", d, p("lr"), p("beta1"), p("beta2"), p("eps"), p("weight_decay"), amsGrad: true, decoupledDecay: false)),
        new("adamw", "Adam with decoupled weight decay", [LrDefault(1e-3), Beta1, Beta2, Eps, new("weight_decay", 0.01, Range.NonNegative)],
            (d, p) => new Adam("adamw", d, p("lr"), p("beta1"), p("beta2"), p("eps"), p("weight_decay"), amsGrad: false, decoupledDecay: true)),
        new("nadam", "Adam with Nesterov momentum", [LrDefault(2e-3), Beta1, Beta2, Eps, new("momentum_decay", 4e-3, Range.NonNegative), WeightDecay],
            (d, p) => new NAdam(d, p("lr"), p("beta1"), p("beta2"), p("eps"), p("momentum_decay"), p("weight_decay"))),
        new("radam", "rectified Adam", [LrDefault(1e-3), Beta1, Beta2, Eps, WeightDecay],
            (d, p) => new RAdam(d, p("lr"), p("beta1"), p("beta2"), p("eps"), p("weight_decay"))),
        new("adabound", "Adam bounded towards SGD", [LrDefault(1e-3), new("final_lr", 0.1, Range.Positive),
                new("gamma", 1e-3, new Range(0, false, 1, false)), Beta1, Beta2, Eps],
            (d, p) => new AdaBound(d, p("lr"), p("final_lr"), p("gamma"), p("beta1"), p("beta2"), p("eps"))),
        new("swats", "Adam, switching to SGD with momentum once its steps settle", [LrDefault(1e-3), Beta1, Beta2, new("eps", 1e-9, Range.NonNegative), WeightDecay],
            (d, p) => new Swats(d, p("lr"), p("beta1"), p("beta2"), p("eps"), p("weight_decay"))),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. Entries.Select(e => e.Name), "lookahead"];

    /// <summary>Every optimizer with its hyperparameters and defaults, for --help.</summary>
    public static string Help()
    {
        var sb = new StringBuilder();
        foreach (var e in Entries)
        {
            var ps = string.Join(", ", e.Params.Select(p => p.Default is { } d ? $"{p.Name}={d:R}" : $"{p.Name} (required)"));
            sb.AppendLine($"  {e.Name,-10} {ps}  — {e.Summary}");
        }
        sb.AppendLine("  lookahead  k=5, alpha=0.5, inner=<optimizer>, inner.<param>=...  — k fast steps, one slow step");
        return sb.ToString();
    }

    /// <summary>
    /// Builds the optimizer a spec names, for <paramref name="dimension"/> parameters. With
    /// <paramref name="learningRateFromSchedule"/> a required lr may be left out: a schedule will
    /// supply the rate of every step.
    /// </summary>
    public static Optimizer Create(ComponentSpec spec, int dimension, bool learningRateFromSchedule = false)
    {
        var h = new Hyperparameters(spec, "optimizer");
        Optimizer optimizer;
        if (spec.Name == "lookahead")
        {
            var k = h.Int("k", 5, Range.PositiveInteger);
            var alpha = h.Double("alpha", 0.5, Range.Fraction);
            var inner = h.Component("inner");
            if (inner.Name == "lookahead")
                throw new HyperparameterException("optimizer 'lookahead': inner = lookahead is not allowed");
            optimizer = new Lookahead(Create(inner, dimension, learningRateFromSchedule), k, alpha);
        }
        else
        {
            var entry = Entries.FirstOrDefault(e => e.Name == spec.Name)
                ?? throw new HyperparameterException($"unknown optimizer '{spec.Name}'; known: {string.Join(", ", Names)}");
            var values = new Dictionary<string, double>();
            foreach (var p in entry.Params)
            {
                // A required lr may be absent when a schedule gives every step's rate; it is then never read.
                values[p.Name] = p.Default is null && learningRateFromSchedule && !h.Declare(p.Name)
                    ? double.NaN
                    : h.Double(p.Name, p.Default, p.Range);
            }
            optimizer = entry.Build(dimension, name => values[name]);
        }
        h.EnsureAllUsed();
        return optimizer;
    }

    /// <summary>The learning rate the spec gives or defaults to, for schedules that scale from it.</summary>
    public static double? LearningRateOf(ComponentSpec spec)
    {
        if (spec.Params.GetValueOrDefault("lr") is ParamValue.Number n) return n.Value;
        if (spec.Name == "lookahead" && spec.Params.GetValueOrDefault("inner") is ParamValue.Component c) return LearningRateOf(c.Spec);
        return Entries.FirstOrDefault(e => e.Name == spec.Name)?.Params.First(p => p.Name == "lr").Default;
    }
}
