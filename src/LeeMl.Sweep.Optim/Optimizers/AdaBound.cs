using System.Runtime.CompilerServices;
namespace LeeMl.Sweep.Optim.Optimizers;

/// <summary>
/// AdaBound (Luo et al. 2019), after the reference implementation: Adam's per-coordinate step
/// size clamped to bounds that close in on final_lr as t grows, so it ends like SGD. The
/// bounds scale with lr/lr₀ so that a schedule moves them too.
/// </summary>
public sealed class AdaBound(int dimension, double learningRate, double finalLr, double gamma,
    double beta1, double beta2, double eps) : Optimizer("adabound", dimension, learningRate)
{
    private readonly double[] _m = new double[dimension];
    private readonly double[] _v = new double[dimension];

    public override MomentumTarget MomentumTarget => MomentumTarget.Beta1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(Span<double> x, ReadOnlySpan<double> g, double lr, double momentum, long t)
    {
        var b1 = Or(momentum, beta1);
        var step = lr * Math.Sqrt(1 - Math.Pow(beta2, t)) / (1 - Math.Pow(b1, t));
        var fl = finalLr * lr / LearningRate;
        var lower = fl * (1 - 1 / (gamma * t + 1));
        var upper = fl * (1 + 1 / (gamma * t));
        var m = _m.AsSpan(0, x.Length);
        var v = _v.AsSpan(0, x.Length);
        for (var i = 0; i < x.Length; i++)
        {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
            var eta = Math.Clamp(step / (Math.Sqrt(v[i]) + eps), lower, upper);
            x[i] -= eta * m[i];
        }
    }
}
