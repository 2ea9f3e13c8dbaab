using System.Runtime.CompilerServices;
namespace LeeMl.Sweep.Optim.Optimizers;

/// <summary>
/// NAdam (Dozat 2016) as in torch ≥ 2.0: momentum schedule μₜ = β₁(1 − ½·0.96^(t·ψ)), the last
/// denominator 1 − P·μₜ₊₁ (torch 1.13's single-tensor path counted μₜ twice there).
/// </summary>
public sealed class NAdam(int dimension, double learningRate, double beta1, double beta2, double eps,
    double momentumDecay, double weightDecay) : Optimizer("nadam", dimension, learningRate)
{
    private readonly double[] _m = new double[dimension];
    private readonly double[] _v = new double[dimension];
    private double _muProduct = 1;

    public override MomentumTarget MomentumTarget => MomentumTarget.Beta1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(Span<double> x, ReadOnlySpan<double> g, double lr, double momentum, long t)
    {
        var b1 = Or(momentum, beta1);
        var bc2 = 1 - Math.Pow(beta2, t);
        var mu = b1 * (1 - 0.5 * Math.Pow(0.96, t * momentumDecay));
        var muNext = b1 * (1 - 0.5 * Math.Pow(0.96, (t + 1) * momentumDecay));
        _muProduct *= mu;
        var gradScale = lr * (1 - mu) / (1 - _muProduct);
        var momentScale = lr * muNext / (1 - _muProduct * muNext);
        var m = _m.AsSpan(0, x.Length);
        var v = _v.AsSpan(0, x.Length);
        for (var i = 0; i < x.Length; i++)
        {
            var gi = g[i] + weightDecay * x[i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
            var d = Math.Sqrt(v[i] / bc2) + eps;
            x[i] = x[i] - gradScale * (gi / d) - momentScale * (m[i] / d);
        }
    }
}
