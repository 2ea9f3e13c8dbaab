using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Learning.Models;

/// <summary>
/// Binary logistic regression, parameters [w₁..w_d, b], started at zero. With cross-entropy the
/// gradient is (σ(z) − y)·x; with square error (the lecture's counter-example) it is
/// 2(σ(z) − y)·σ(z)(1 − σ(z))·x, which vanishes far from the optimum as well as near it.
/// </summary>
public sealed class LogisticRegression(int features, bool squareError) : IDifferentiableModel
{
    // A shuffled batch reads rows scattered over the whole matrix; asking for the rows a few steps
    // ahead hides the memory latency that otherwise dominates an epoch (docs/benchmarks.md).
    private const int PrefetchAhead = 8;

    public int ParameterCount => features + 1;

    public int Classes => 2;

    public void Initialize(Span<double> parameters, ref Xoshiro256 rng) => parameters.Clear();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double LossAndGradient(ReadOnlySpan<double> p, Dataset data, ReadOnlySpan<int> rows, Span<double> gradient, bool training)
    {
        gradient.Clear();
        var w = p[..features];
        var gw = gradient[..features];
        var bias = p[features];
        double loss = 0, gb = 0;
        for (var r = 0; r < Math.Min(PrefetchAhead, rows.Length); r++) Prefetch(data, rows[r]);
        var y = data.Y;
        var next = 0;
        // Four rows at a time: four independent dot products, then one pass over the gradient for all four.
        for (; next + 4 <= rows.Length; next += 4)
        {
            for (var r = next + PrefetchAhead; r < Math.Min(next + PrefetchAhead + 4, rows.Length); r++) Prefetch(data, rows[r]);
            int i0 = rows[next], i1 = rows[next + 1], i2 = rows[next + 2], i3 = rows[next + 3];
            ReadOnlySpan<double> x0 = data.Row(i0), x1 = data.Row(i1), x2 = data.Row(i2), x3 = data.Row(i3);
            var (z0, z1, z2, z3) = Kernels.Dot4(w, x0, x1, x2, x3);
            // Scalar exp and log on purpose: Math.Exp/Math.Log are fast from the first call, while the
            // class library's Vector256.Exp/Log ran unoptimised until tiering promoted them and were
            // no faster afterwards (measured: short trials 2× slower with them).
            var (l0, r0) = Terms(z0 + bias, y[i0]);
            var (l1, r1) = Terms(z1 + bias, y[i1]);
            var (l2, r2) = Terms(z2 + bias, y[i2]);
            var (l3, r3) = Terms(z3 + bias, y[i3]);
            loss += l0 + l1 + l2 + l3;
            gb += r0 + r1 + r2 + r3;
            Kernels.Axpy4(r0, x0, r1, x1, r2, x2, r3, x3, gw);
        }
        for (; next < rows.Length; next++)
        {
            var i = rows[next];
            var x = data.Row(i);
            var (rowLoss, residual) = Terms(Kernels.Dot(w, x) + bias, y[i]);
            loss += rowLoss;
            Kernels.Axpy(residual, x, gw);
            gb += residual;
        }
        var scale = 1.0 / rows.Length;
        for (var j = 0; j < features; j++) gw[j] *= scale;
        gradient[features] = gb * scale;
        return loss * scale;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (double LossSum, int Correct) Measure(ReadOnlySpan<double> p, Dataset data)
    {
        var w = p[..features];
        var bias = p[features];
        double loss = 0;
        var correct = 0;
        var y = data.Y;
        var i = 0;
        for (; i + 4 <= data.Rows; i += 4)
        {
            var (z0, z1, z2, z3) = Kernels.Dot4(w, data.Row(i), data.Row(i + 1), data.Row(i + 2), data.Row(i + 3));
            loss += Row(z0 + bias, y[i]) + Row(z1 + bias, y[i + 1]) + Row(z2 + bias, y[i + 2]) + Row(z3 + bias, y[i + 3]);
        }
        for (; i < data.Rows; i++) loss += Row(Kernels.Dot(w, data.Row(i)) + bias, y[i]);
        return (loss, correct);

        double Row(double z, int label)
        {
            if ((z > 0 ? 1 : 0) == label) correct++;   // ties go to class 0, as the arg-max of [0, z]
            return Terms(z, label).Loss;
        }
    }

    public double Evaluate(ReadOnlySpan<double> p, ReadOnlySpan<double> x, int label, Span<double> scores)
    {
        var z = Kernels.Dot(p[..features], x) + p[features];
        scores[0] = 0;
        scores[1] = z;
        return Terms(z, label).Loss;
    }

    /// <summary>The row's loss and dLoss/dz, sharing one exp between the sigmoid and the softplus.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private (double Loss, double Residual) Terms(double z, int y)
    {
        // e^−|z|, floored where it would turn subnormal (|z| > 700): libm's exp takes a slow path
        // there, and neither σ nor the softplus can tell the difference at that distance.
        var e = Math.Exp(-Math.Min(Math.Abs(z), 700));
        var s = z >= 0 ? 1 / (1 + e) : e / (1 + e);
        if (squareError) return ((s - y) * (s - y), 2 * (s - y) * s * (1 - s));
        return (Math.Max(z, 0) + Math.Log(1 + e) - y * z, s - y);
    }

    private static unsafe void Prefetch(Dataset data, int row)
    {
        if (!Sse.IsSupported) return;
        var length = data.Features;
        fixed (double* start = &data.X[row * length])
        {
            for (var offset = 0; offset < length; offset += 8) Sse.Prefetch0(start + offset);   // one cache line = 8 doubles
            Sse.Prefetch0(start + length - 1);
        }
    }
}
