using System.Runtime.CompilerServices;
namespace LeeMl.Sweep.Optim.Optimizers;

/// <summary>Adagrad (Duchi et al. 2011): s ← s + g²; x ← x − lr·g/(√s + eps), eps outside the root.</summary>
public sealed class Adagrad(int dimension, double learningRate, double eps, double weightDecay)
    : Optimizer("adagrad", dimension, learningRate)
{
    private readonly double[] _sum = new double[dimension];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(Span<double> x, ReadOnlySpan<double> g, double lr, double momentum, long t)
    {
        var s = _sum.AsSpan(0, x.Length);
        for (var i = 0; i < x.Length; i++)
        {
            var gi = g[i] + weightDecay * x[i];
            s[i] += gi * gi;
            x[i] -= lr * (gi / (Math.Sqrt(s[i]) + eps));
        }
    }
}
