using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
            var (groupLoss, residuals) = Terms4(Vector256.Create(z0, z1, z2, z3) + Vector256.Create(bias), Vector256.Create((double)y[i0], y[i1], y[i2], y[i3]));
            loss += groupLoss;
            gb += Vector256.Sum(residuals);
            Kernels.Axpy4(residuals[0], x0, residuals[1], x1, residuals[2], x2, residuals[3], x3, gw);
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
            var z = Vector256.Create(z0, z1, z2, z3) + Vector256.Create(bias);
            var labels = Vector256.Create((double)y[i], y[i + 1], y[i + 2], y[i + 3]);
            loss += Terms4(z, labels).Loss;
            // Class 1 when z > 0 (ties go to class 0, as the arg-max of [0, z]).
            var predicted = Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<double>.Zero), Vector256<double>.One, Vector256<double>.Zero);
            correct += BitOperations.PopCount(Vector256.Equals<double>(predicted, labels).ExtractMostSignificantBits());
        }
        for (; i < data.Rows; i++)
        {
            var z = Kernels.Dot(w, data.Row(i)) + bias;
            loss += Terms(z, y[i]).Loss;
            if ((z > 0 ? 1 : 0) == y[i]) correct++;
        }
        return (loss, correct);
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

    /// <summary><see cref="Terms"/> for four rows. Scalar exp and log on purpose: Math.Exp and Math.Log
    /// are fast from the first call, while Vector256.Exp/Log ran unoptimised until tiering promoted
    /// them and were no faster afterwards here (measured: short trials 2× slower with them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private (double Loss, Vector256<double> Residual) Terms4(Vector256<double> z, Vector256<double> y)
    {
        var (l0, r0) = Terms(z[0], (int)y[0]);
        var (l1, r1) = Terms(z[1], (int)y[1]);
        var (l2, r2) = Terms(z[2], (int)y[2]);
        var (l3, r3) = Terms(z[3], (int)y[3]);
        return (l0 + l1 + l2 + l3, Vector256.Create(r0, r1, r2, r3));
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
