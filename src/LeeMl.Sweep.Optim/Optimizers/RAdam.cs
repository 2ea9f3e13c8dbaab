using System.Runtime.CompilerServices;
namespace LeeMl.Sweep.Optim.Optimizers;

/// <summary>
/// RAdam (Liu et al. 2020) as in torch: rectify when ρₜ &gt; 5 (the paper says 4), eps added to the
/// uncorrected √v; below the threshold the step is plain momentum lr·m̂ with no division.
/// </summary>
public sealed class RAdam(int dimension, double learningRate, double beta1, double beta2, double eps,
    double weightDecay) : Optimizer("radam", dimension, learningRate)
{
    private readonly double[] _m = new double[dimension];
    private readonly double[] _v = new double[dimension];

    public override MomentumTarget MomentumTarget => MomentumTarget.Beta1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(Span<double> x, ReadOnlySpan<double> g, double lr, double momentum, long t)
    {
        var b1 = Or(momentum, beta1);
        var bc1 = 1 - Math.Pow(b1, t);
        var beta2t = Math.Pow(beta2, t);
        var bc2 = 1 - beta2t;
        var rhoInf = 2 / (1 - beta2) - 1;
        var rhoT = rhoInf - 2 * t * beta2t / bc2;
        var rectified = rhoT > 5;
        var scale = rectified
            ? lr * Math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) * Math.Sqrt(bc2)
            : lr;
        var m = _m.AsSpan(0, x.Length);
        var v = _v.AsSpan(0, x.Length);
        for (var i = 0; i < x.Length; i++)
        {
            var gi = g[i] + weightDecay * x[i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
            var mHat = m[i] / bc1;
            x[i] -= rectified ? scale * mHat / (Math.Sqrt(v[i]) + eps) : scale * mHat;
        }
    }
}
