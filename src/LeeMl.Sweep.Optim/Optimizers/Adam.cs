using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LeeMl.Sweep.Optim.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) and the two variants that share its kernel: AMSGrad (running max of
/// the uncorrected v) and AdamW (decoupled decay, torch's x ← x·(1 − lr·wd) before the update).
/// Adam is the lecture's "SGDM + RMSProp": m is momentum on the gradient, v an RMSProp average.
/// eps is added after √v has been divided by √(1 − β₂ᵗ), as torch does.
/// </summary>
/// <remarks>
/// The denominator is computed as √v·(1/√(1−β₂ᵗ)) + eps: one division per element instead of
/// two, equal to torch's form up to rounding (≈1e-16). The loop is vectorised with
/// <see cref="Vector{T}"/> because it runs over every parameter every step.
/// </remarks>
public sealed class Adam : Optimizer
{
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _eps;
    private readonly double _weightDecay;
    private readonly bool _amsGrad;
    private readonly bool _decoupled;
    private readonly double[] _m;
    private readonly double[] _v;
    private readonly double[] _vMax;

    public Adam(string name, int dimension, double learningRate, double beta1, double beta2, double eps,
        double weightDecay, bool amsGrad, bool decoupledDecay)
        : base(name, dimension, learningRate)
    {
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        _weightDecay = weightDecay;
        _amsGrad = amsGrad;
        _decoupled = decoupledDecay;
        _m = new double[dimension];
        _v = new double[dimension];
        _vMax = amsGrad ? new double[dimension] : [];
    }

    public override MomentumTarget MomentumTarget => MomentumTarget.Beta1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(Span<double> x, ReadOnlySpan<double> g, double lr, double momentum, long t)
    {
        var b1 = Or(momentum, _beta1);
        var b2 = _beta2;
        var stepSize = lr / (1 - Math.Pow(b1, t));
        var invBc2Sqrt = 1 / Math.Sqrt(1 - Math.Pow(b2, t));
        var shrink = _decoupled ? 1 - lr * _weightDecay : 1.0;   // AdamW's decay on x
        var l2 = _decoupled ? 0.0 : _weightDecay;                 // Adam's coupled L2 on g
        var m = _m.AsSpan(0, x.Length);
        var v = _v.AsSpan(0, x.Length);
        var amsGrad = _amsGrad;   // a local: the loop stores through spans, so a field would be re-read every element
        var vMax = amsGrad ? _vMax.AsSpan(0, x.Length) : default;
        var i = 0;

        if (Vector.IsHardwareAccelerated && x.Length >= Vector<double>.Count)
        {
            var xs = MemoryMarshal.Cast<double, Vector<double>>(x);
            var gs = MemoryMarshal.Cast<double, Vector<double>>(g);
            var ms = MemoryMarshal.Cast<double, Vector<double>>(m);
            var vs = MemoryMarshal.Cast<double, Vector<double>>(v);
            var maxes = MemoryMarshal.Cast<double, Vector<double>>(vMax);
            Vector<double> vb1 = new(b1), vb1c = new(1 - b1), vb2 = new(b2), vb2c = new(1 - b2);
            Vector<double> vStep = new(stepSize), vInv = new(invBc2Sqrt), vEps = new(_eps), vShrink = new(shrink), vL2 = new(l2);
            for (var k = 0; k < xs.Length; k++)
            {
                var xk = xs[k];
                var gk = gs[k] + vL2 * xk;
                var mk = vb1 * ms[k] + vb1c * gk;
                var vk = vb2 * vs[k] + vb2c * (gk * gk);
                ms[k] = mk;
                vs[k] = vk;
                if (amsGrad) vk = maxes[k] = Vector.Max(maxes[k], vk);
                xs[k] = xk * vShrink - vStep * (mk / (Vector.SquareRoot(vk) * vInv + vEps));
            }
            i = xs.Length * Vector<double>.Count;
        }

        for (; i < x.Length; i++)
        {
            var xi = x[i];
            var gi = g[i] + l2 * xi;
            var mi = m[i] = b1 * m[i] + (1 - b1) * gi;
            var vi = v[i] = b2 * v[i] + (1 - b2) * (gi * gi);
            if (amsGrad) vi = vMax[i] = Math.Max(vMax[i], vi);
            x[i] = xi * shrink - stepSize * (mi / (Math.Sqrt(vi) * invBc2Sqrt + _eps));
        }
    }
}
