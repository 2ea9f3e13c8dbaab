using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LeeMl.Sweep.Learning.Models;

/// <summary>The few vector kernels the models' hot loops need, vectorised with <see cref="Vector{T}"/>.</summary>
public static class Kernels
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= 2 * Vector<double>.Count)
        {
            var va = MemoryMarshal.Cast<double, Vector<double>>(a);
            var vb = MemoryMarshal.Cast<double, Vector<double>>(b[..a.Length]);
            Vector<double> acc0 = default, acc1 = default;
            var k = 0;
            for (; k + 1 < va.Length; k += 2)
            {
                acc0 += va[k] * vb[k];
                acc1 += va[k + 1] * vb[k + 1];
            }
            if (k < va.Length) acc0 += va[k] * vb[k];
            sum = Vector.Sum(acc0 + acc1);
            i = va.Length * Vector<double>.Count;
        }
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>y ← y + alpha·x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<double>.Count)
        {
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y[..x.Length]);
            var va = new Vector<double>(alpha);
            for (var k = 0; k < vx.Length; k++) vy[k] += va * vx[k];
            i = vx.Length * Vector<double>.Count;
        }
        for (; i < x.Length; i++) y[i] += alpha * x[i];
    }

    /// <summary>The dot products of <paramref name="w"/> with four rows at once: four independent
    /// accumulation chains, and w loaded once for all four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double, double, double, double) Dot4(ReadOnlySpan<double> w, ReadOnlySpan<double> x0, ReadOnlySpan<double> x1,
        ReadOnlySpan<double> x2, ReadOnlySpan<double> x3)
    {
        var n = w.Length;
        if (x0.Length < n || x1.Length < n || x2.Length < n || x3.Length < n) throw new ArgumentException("rows shorter than w");
        ref var rw = ref MemoryMarshal.GetReference(w);
        ref var r0 = ref MemoryMarshal.GetReference(x0);
        ref var r1 = ref MemoryMarshal.GetReference(x1);
        ref var r2 = ref MemoryMarshal.GetReference(x2);
        ref var r3 = ref MemoryMarshal.GetReference(x3);
        Vector<double> s0 = default, s1 = default, s2 = default, s3 = default;
        var i = 0;
        for (; i + Vector<double>.Count <= n; i += Vector<double>.Count)
        {
            var wv = Vector.LoadUnsafe(ref rw, (nuint)i);
            s0 = Vector.FusedMultiplyAdd(wv, Vector.LoadUnsafe(ref r0, (nuint)i), s0);
            s1 = Vector.FusedMultiplyAdd(wv, Vector.LoadUnsafe(ref r1, (nuint)i), s1);
            s2 = Vector.FusedMultiplyAdd(wv, Vector.LoadUnsafe(ref r2, (nuint)i), s2);
            s3 = Vector.FusedMultiplyAdd(wv, Vector.LoadUnsafe(ref r3, (nuint)i), s3);
        }
        double d0 = Vector.Sum(s0), d1 = Vector.Sum(s1), d2 = Vector.Sum(s2), d3 = Vector.Sum(s3);
        for (; i < n; i++)
        {
            var wi = Unsafe.Add(ref rw, i);
            d0 += wi * Unsafe.Add(ref r0, i);
            d1 += wi * Unsafe.Add(ref r1, i);
            d2 += wi * Unsafe.Add(ref r2, i);
            d3 += wi * Unsafe.Add(ref r3, i);
        }
        return (d0, d1, d2, d3);
    }

    /// <summary>y ← y + a₀x₀ + a₁x₁ + a₂x₂ + a₃x₃: y is loaded and stored once for four rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Axpy4(double a0, ReadOnlySpan<double> x0, double a1, ReadOnlySpan<double> x1,
        double a2, ReadOnlySpan<double> x2, double a3, ReadOnlySpan<double> x3, Span<double> y)
    {
        var n = y.Length;
        if (x0.Length < n || x1.Length < n || x2.Length < n || x3.Length < n) throw new ArgumentException("rows shorter than y");
        ref var ry = ref MemoryMarshal.GetReference(y);
        ref var r0 = ref MemoryMarshal.GetReference(x0);
        ref var r1 = ref MemoryMarshal.GetReference(x1);
        ref var r2 = ref MemoryMarshal.GetReference(x2);
        ref var r3 = ref MemoryMarshal.GetReference(x3);
        Vector<double> v0 = new(a0), v1 = new(a1), v2 = new(a2), v3 = new(a3);
        var i = 0;
        for (; i + Vector<double>.Count <= n; i += Vector<double>.Count)
        {
            var acc = Vector.LoadUnsafe(ref ry, (nuint)i);
            acc = Vector.FusedMultiplyAdd(v0, Vector.LoadUnsafe(ref r0, (nuint)i), acc);
            acc = Vector.FusedMultiplyAdd(v1, Vector.LoadUnsafe(ref r1, (nuint)i), acc);
            acc = Vector.FusedMultiplyAdd(v2, Vector.LoadUnsafe(ref r2, (nuint)i), acc);
            acc = Vector.FusedMultiplyAdd(v3, Vector.LoadUnsafe(ref r3, (nuint)i), acc);
            acc.StoreUnsafe(ref ry, (nuint)i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref ry, i) += a0 * Unsafe.Add(ref r0, i) + a1 * Unsafe.Add(ref r1, i) + a2 * Unsafe.Add(ref r2, i) + a3 * Unsafe.Add(ref r3, i);
    }

    /// <summary>
    /// Turns each row of <paramref name="z"/> (rows × classes logits) into probabilities in place and
    /// returns the summed cross-entropy −log p[label] = log Σ e^(z − max) − (z[label] − max): the
    /// exponentials and logarithms run as vectors over the whole block. <paramref name="sums"/> is
    /// scratch space of at least <paramref name="rows"/> values. Non-finite logits give a NaN loss.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SoftmaxCrossEntropy(Span<double> z, int rows, int classes, ReadOnlySpan<int> labels, Span<double> sums)
    {
        var block = z[..(rows * classes)];
        var total = sums[..rows];
        double loss = 0;
        for (var i = 0; i < rows; i++)
        {
            var row = block.Slice(i * classes, classes);
            var max = double.NegativeInfinity;
            foreach (var v in row) max = Math.Max(max, v);
            for (var k = 0; k < classes; k++) row[k] -= max;
            loss -= row[labels[i]];
        }
        Exp(block);
        for (var i = 0; i < rows; i++)
        {
            var row = block.Slice(i * classes, classes);
            double sum = 0;
            foreach (var v in row) sum += v;
            total[i] = sum;
            var inverse = 1 / sum;
            for (var k = 0; k < classes; k++) row[k] *= inverse;
        }
        Log(total);
        foreach (var v in total) loss += v;
        return loss;
    }

    /// <summary>x ← e^x, element-wise.</summary>
    public static void Exp(Span<double> x)
    {
        var v = MemoryMarshal.Cast<double, Vector<double>>(x);
        for (var k = 0; k < v.Length; k++) v[k] = Vector.Exp(v[k]);
        for (var k = v.Length * Vector<double>.Count; k < x.Length; k++) x[k] = Math.Exp(x[k]);
    }

    /// <summary>x ← ln x, element-wise.</summary>
    public static void Log(Span<double> x)
    {
        var v = MemoryMarshal.Cast<double, Vector<double>>(x);
        for (var k = 0; k < v.Length; k++) v[k] = Vector.Log(v[k]);
        for (var k = v.Length * Vector<double>.Count; k < x.Length; k++) x[k] = Math.Log(x[k]);
    }

    public static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
}
