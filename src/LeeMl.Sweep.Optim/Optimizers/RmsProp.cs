using System.Runtime.CompilerServices;
namespace LeeMl.Sweep.Optim.Optimizers;

/// <summary>
/// RMSProp in torch's form: v starts at 0 with no bias correction, so the first step is about
/// lr/√(1−alpha). (The lecture starts v at g₀², which gives a first step of about lr.)
/// </summary>
public sealed class RmsProp(int dimension, double learningRate, double alpha, double eps, double weightDecay)
    : Optimizer("rmsprop", dimension, learningRate)
{
    private readonly double[] _meanSquare = new double[dimension];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Apply(Span<double> x, ReadOnlySpan<double> g, double lr, double momentum, long t)
    {
        var v = _meanSquare.AsSpan(0, x.Length);
        for (var i = 0; i < x.Length; i++)
        {
            var gi = g[i] + weightDecay * x[i];
            v[i] = alpha * v[i] + (1 - alpha) * gi * gi;
            x[i] -= lr * (gi / (Math.Sqrt(v[i]) + eps));
        }
    }
}
