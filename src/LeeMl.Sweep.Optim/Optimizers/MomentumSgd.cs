using System.Runtime.CompilerServices;
namespace LeeMl.Sweep.Optim.Optimizers;

/// <summary>
/// SGD with momentum in torch's form (dampening 0), its Nesterov variant, and SGDW.
/// <list type="bullet">
/// <item>sgdm: v ← μv + g; x ← x − lr·v. The lecture writes m ← λm − ηg, x ← x + m: the same path
/// for a constant lr, but under a schedule torch applies the current lr to the whole buffer.</item>
/// <item>nag: v ← μv + g; x ← x − lr·(g + μv) (Sutskever/Bengio reformulation).</item>
/// <item>sgdw: v ← μv + g (no L2 term); x ← x − lr·v − lr·wd·x_old (decoupled decay).</item>
/// </list>
/// </summary>
public sealed class MomentumSgd : Optimizer
{
    public enum Variant { HeavyBall, Nesterov, DecoupledDecay }

    private readonly double _momentum;
    private readonly double _weightDecay;
    private readonly Variant _variant;
    private readonly double[] _velocity;

    public MomentumSgd(string name, int dimension, double learningRate, double momentum, double weightDecay, Variant variant)
        : base(name, dimension, learningRate)
    {
        _momentum = momentum;
        _weightDecay = weightDecay;
        _variant = variant;
        _velocity = new double[dimension];
    }

    public override MomentumTarget MomentumTarget => MomentumTarget.Momentum;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(Span<double> x, ReadOnlySpan<double> g, double lr, double momentum, long t)
    {
        var mu = Or(momentum, _momentum);
        var v = _velocity.AsSpan(0, x.Length);
        var wd = _weightDecay;
        switch (_variant)
        {
            case Variant.HeavyBall:
                for (var i = 0; i < x.Length; i++)
                {
                    var gi = g[i] + wd * x[i];
                    v[i] = mu * v[i] + gi;
                    x[i] -= lr * v[i];
                }
                break;
            case Variant.Nesterov:
                for (var i = 0; i < x.Length; i++)
                {
                    var gi = g[i] + wd * x[i];
                    v[i] = mu * v[i] + gi;
                    x[i] -= lr * (gi + mu * v[i]);
                }
                break;
            case Variant.DecoupledDecay:
                for (var i = 0; i < x.Length; i++)
                {
                    v[i] = mu * v[i] + g[i];
                    x[i] = x[i] - lr * v[i] - lr * wd * x[i];
                }
                break;
        }
    }
}
