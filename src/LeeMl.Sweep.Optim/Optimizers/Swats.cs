using System.Runtime.CompilerServices;

namespace LeeMl.Sweep.Optim.Optimizers;

/// <summary>
/// SWATS (Keskar &amp; Socher 2017, Algorithm 1): Adam until its steps settle, then SGD with momentum
/// at the rate Adam's steps imply — the lecture's "start with Adam, switch to SGDM later". Each Adam
/// step p is projected on the gradient: γ = pᵀp / (−pᵀg) is the SGD rate that would have taken the
/// same step along g; λ, an average of γ with Adam's β₂, bias-corrected, is the estimate. When it
/// agrees with the latest γ to within eps the rule switches, for good, to
/// v ← β₁v + g, x ← x − (1 − β₁)·Λ·v with Λ = λ/(1 − β₂ᵏ). <see cref="SwitchedAt"/> is the step.
/// </summary>
/// <remarks>
/// Adam's step is the paper's: lr·√(1−β₂ᵏ)/(1−β₁ᵏ)·m/(√a + eps), eps outside the bias
/// correction (torch's Adam adds it inside). A schedule keeps working after the switch: Λ is scaled
/// by the ratio of the scheduled rate to the rate at the switch. Weight decay, as for the other
/// rules here, adds wd·x to the gradient in both phases.
/// </remarks>
public sealed class Swats(int dimension, double learningRate, double beta1, double beta2, double eps, double weightDecay)
    : Optimizer("swats", dimension, learningRate)
{
    private readonly double[] _m = new double[dimension];
    private readonly double[] _a = new double[dimension];
    private readonly double[] _v = new double[dimension];
    private readonly double[] _g = new double[dimension];
    private readonly double[] _p = new double[dimension];
    private double _lambda;
    private double _sgdRate = double.NaN, _rateAtSwitch = double.NaN;

    /// <summary>The 1-based step after which the rule ran SGD; null while it runs Adam.</summary>
    public long? SwitchedAt { get; private set; }

    /// <summary>The SGD rate Λ the switch estimated (NaN before it).</summary>
    public double SgdRate => _sgdRate;

    public override MomentumTarget MomentumTarget => MomentumTarget.Beta1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(Span<double> x, ReadOnlySpan<double> gradient, double lr, double momentum, long t)
    {
        var b1 = Or(momentum, beta1);
        var n = x.Length;
        var g = _g.AsSpan(0, n);
        for (var i = 0; i < n; i++) g[i] = gradient[i] + weightDecay * x[i];
        if (SwitchedAt is not null)
        {
            var rate = _sgdRate * (lr / _rateAtSwitch);
            var v = _v.AsSpan(0, n);
            for (var i = 0; i < n; i++)
            {
                v[i] = b1 * v[i] + g[i];
                x[i] -= (1 - b1) * rate * v[i];
            }
            return;
        }
        var step = lr * Math.Sqrt(1 - Math.Pow(beta2, t)) / (1 - Math.Pow(b1, t));
        var m = _m.AsSpan(0, n);
        var a = _a.AsSpan(0, n);
        var p = _p.AsSpan(0, n);
        for (var i = 0; i < n; i++)
        {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            a[i] = beta2 * a[i] + (1 - beta2) * g[i] * g[i];
            p[i] = -step * m[i] / (Math.Sqrt(a[i]) + eps);
            x[i] += p[i];
        }
        double pg = 0, pp = 0;
        for (var i = 0; i < n; i++) pg += p[i] * g[i];
        if (pg == 0) return;
        for (var i = 0; i < n; i++) pp += p[i] * p[i];
        var gamma = pp / -pg;
        _lambda = beta2 * _lambda + (1 - beta2) * gamma;
        var corrected = _lambda / (1 - Math.Pow(beta2, t));
        if (t > 1 && Math.Abs(corrected - gamma) < eps)
        {
            SwitchedAt = t;
            _sgdRate = corrected;
            _rateAtSwitch = lr;
        }
    }
}
