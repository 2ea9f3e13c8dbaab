using System.Runtime.CompilerServices;
namespace LeeMl.Sweep.Optim.Optimizers;

/// <summary>
/// Lookahead (Zhang et al. 2019) around any other rule: the inner rule takes k fast steps, then
/// the slow weights move a fraction alpha towards the fast ones and the fast weights restart
/// there. The inner state is kept across syncs and its step counter keeps counting.
/// </summary>
public sealed class Lookahead : Optimizer
{
    private readonly Optimizer _inner;
    private readonly int _k;
    private readonly double _alpha;
    private readonly double[] _slow;

    public Lookahead(Optimizer inner, int k, double alpha)
        : base("lookahead", inner.Dimension, inner.LearningRate)
    {
        _inner = inner;
        _k = k;
        _alpha = alpha;
        _slow = new double[inner.Dimension];
    }

    public Optimizer Inner => _inner;

    /// <summary>The slow weights φ; they differ from the parameters between syncs.</summary>
    public ReadOnlySpan<double> SlowWeights => _slow;

    public override MomentumTarget MomentumTarget => _inner.MomentumTarget;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(Span<double> x, ReadOnlySpan<double> g, double lr, double momentum, long t)
    {
        if (t == 1) x.CopyTo(_slow);   // φ starts at the start point
        _inner.Step(x, g, lr, momentum);
        if (t % _k != 0) return;
        for (var i = 0; i < x.Length; i++)
        {
            _slow[i] += _alpha * (x[i] - _slow[i]);
            x[i] = _slow[i];
        }
    }
}
