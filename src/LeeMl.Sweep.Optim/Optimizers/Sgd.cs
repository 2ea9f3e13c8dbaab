using System.Runtime.CompilerServices;
namespace LeeMl.Sweep.Optim.Optimizers;

/// <summary>Plain SGD: x ← x − lr·(g + wd·x).</summary>
public sealed class Sgd(int dimension, double learningRate, double weightDecay)
    : Optimizer("sgd", dimension, learningRate)
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(Span<double> x, ReadOnlySpan<double> g, double lr, double momentum, long t)
    {
        for (var i = 0; i < x.Length; i++)
            x[i] -= lr * (g[i] + weightDecay * x[i]);
    }
}
