using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LeeMl.Sweep.Learning.Models;

/// <summary>
/// The two dense products a mini-batch needs, on row-major matrices: C = A·M (+ bias) for the
/// forward pass and the errors sent down, and G += Dᵀ·A for the weight gradient. Register blocks of
/// 4 rows × 2 vectors keep 8 accumulators live, so every value loaded feeds several fused
/// multiply-adds instead of one (the row-at-a-time kernels were load- and store-bound).
/// Sizes are checked once per call; the loops then index without bounds checks.
/// </summary>
public static class Gemm
{
    private static readonly int W = Vector<double>.Count;

    /// <summary>C (rows×n) = A (rows×k) · M (k×n), plus <paramref name="bias"/> on every row when it is not empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(ReadOnlySpan<double> a, int rows, int k, ReadOnlySpan<double> m, int n, ReadOnlySpan<double> bias, Span<double> c)
    {
        if (a.Length < rows * k || m.Length < k * n || c.Length < rows * n || !(bias.IsEmpty || bias.Length >= n))
            throw new ArgumentException("matrix sizes do not fit");
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rm = ref MemoryMarshal.GetReference(m);
        ref var rc = ref MemoryMarshal.GetReference(c);
        var hasBias = !bias.IsEmpty;
        var j = Vector512.IsHardwareAccelerated ? Multiply512(ref ra, rows, k, ref rm, n, bias, ref rc) : 0;
        // Column blocks outermost: the k×2W slice of M stays in L1 while every row block passes over it.
        for (; j + 2 * W <= n; j += 2 * W)
        {
            var b0 = hasBias ? new Vector<double>(bias[j..]) : Vector<double>.Zero;
            var b1 = hasBias ? new Vector<double>(bias[(j + W)..]) : Vector<double>.Zero;
            var i = 0;
            for (; i + 4 <= rows; i += 4)
            {
                Vector<double> c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
                ref var a0 = ref Unsafe.Add(ref ra, i * k);
                ref var a1 = ref Unsafe.Add(ref a0, k);
                ref var a2 = ref Unsafe.Add(ref a1, k);
                ref var a3 = ref Unsafe.Add(ref a2, k);
                for (var t = 0; t < k; t++)
                {
                    ref var mt = ref Unsafe.Add(ref rm, t * n + j);
                    var m0 = Vector.LoadUnsafe(ref mt);
                    var m1 = Vector.LoadUnsafe(ref mt, (nuint)W);
                    var x = new Vector<double>(Unsafe.Add(ref a0, t));
                    c00 = Vector.FusedMultiplyAdd(x, m0, c00);
                    c01 = Vector.FusedMultiplyAdd(x, m1, c01);
                    x = new Vector<double>(Unsafe.Add(ref a1, t));
                    c10 = Vector.FusedMultiplyAdd(x, m0, c10);
                    c11 = Vector.FusedMultiplyAdd(x, m1, c11);
                    x = new Vector<double>(Unsafe.Add(ref a2, t));
                    c20 = Vector.FusedMultiplyAdd(x, m0, c20);
                    c21 = Vector.FusedMultiplyAdd(x, m1, c21);
                    x = new Vector<double>(Unsafe.Add(ref a3, t));
                    c30 = Vector.FusedMultiplyAdd(x, m0, c30);
                    c31 = Vector.FusedMultiplyAdd(x, m1, c31);
                }
                Store(ref Unsafe.Add(ref rc, i * n + j), n, c00, c01, c10, c11, c20, c21, c30, c31);
            }
            for (; i < rows; i++)
            {
                Vector<double> c0 = b0, c1 = b1;
                ref var ai = ref Unsafe.Add(ref ra, i * k);
                for (var t = 0; t < k; t++)
                {
                    ref var mt = ref Unsafe.Add(ref rm, t * n + j);
                    var x = new Vector<double>(Unsafe.Add(ref ai, t));
                    c0 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref mt), c0);
                    c1 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref mt, (nuint)W), c1);
                }
                ref var ci = ref Unsafe.Add(ref rc, i * n + j);
                c0.StoreUnsafe(ref ci);
                c1.StoreUnsafe(ref ci, (nuint)W);
            }
        }
        for (; j + W <= n; j += W)
        {
            var b0 = hasBias ? new Vector<double>(bias[j..]) : Vector<double>.Zero;
            for (var i = 0; i < rows; i++)
            {
                var c0 = b0;
                ref var ai = ref Unsafe.Add(ref ra, i * k);
                for (var t = 0; t < k; t++)
                    c0 = Vector.FusedMultiplyAdd(new Vector<double>(Unsafe.Add(ref ai, t)), Vector.LoadUnsafe(ref rm, (nuint)(t * n + j)), c0);
                c0.StoreUnsafe(ref rc, (nuint)(i * n + j));
            }
        }
        for (; j < n; j++)
        {
            for (var i = 0; i < rows; i++)
            {
                var s = hasBias ? bias[j] : 0.0;
                ref var ai = ref Unsafe.Add(ref ra, i * k);
                for (var t = 0; t < k; t++) s += Unsafe.Add(ref ai, t) * Unsafe.Add(ref rm, t * n + j);
                Unsafe.Add(ref rc, i * n + j) = s;
            }
        }
    }

    /// <summary>
    /// The columns of <see cref="Multiply"/> in whole blocks of 16, with 512-bit vectors where the
    /// processor has them; returns the first column left. Every element is the same chain of fused
    /// multiply-adds over t as in the narrower loops, and the blocks lie within the columns those
    /// loops give to vectors: the results are the same bits whatever the width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Multiply512(ref double ra, int rows, int k, ref double rm, int n, ReadOnlySpan<double> bias, ref double rc)
    {
        var hasBias = !bias.IsEmpty;
        var j = 0;
        for (; j + 16 <= n; j += 16)
        {
            var b0 = hasBias ? Vector512.Create(bias.Slice(j, 8)) : Vector512<double>.Zero;
            var b1 = hasBias ? Vector512.Create(bias.Slice(j + 8, 8)) : Vector512<double>.Zero;
            var i = 0;
            for (; i + 4 <= rows; i += 4)
            {
                Vector512<double> c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
                ref var a0 = ref Unsafe.Add(ref ra, i * k);
                ref var a1 = ref Unsafe.Add(ref a0, k);
                ref var a2 = ref Unsafe.Add(ref a1, k);
                ref var a3 = ref Unsafe.Add(ref a2, k);
                for (var t = 0; t < k; t++)
                {
                    ref var mt = ref Unsafe.Add(ref rm, t * n + j);
                    var m0 = Vector512.LoadUnsafe(ref mt);
                    var m1 = Vector512.LoadUnsafe(ref mt, 8);
                    var x = Vector512.Create(Unsafe.Add(ref a0, t));
                    c00 = Vector512.FusedMultiplyAdd(x, m0, c00);
                    c01 = Vector512.FusedMultiplyAdd(x, m1, c01);
                    x = Vector512.Create(Unsafe.Add(ref a1, t));
                    c10 = Vector512.FusedMultiplyAdd(x, m0, c10);
                    c11 = Vector512.FusedMultiplyAdd(x, m1, c11);
                    x = Vector512.Create(Unsafe.Add(ref a2, t));
                    c20 = Vector512.FusedMultiplyAdd(x, m0, c20);
                    c21 = Vector512.FusedMultiplyAdd(x, m1, c21);
                    x = Vector512.Create(Unsafe.Add(ref a3, t));
                    c30 = Vector512.FusedMultiplyAdd(x, m0, c30);
                    c31 = Vector512.FusedMultiplyAdd(x, m1, c31);
                }
                Store512(ref Unsafe.Add(ref rc, i * n + j), n, c00, c01, c10, c11, c20, c21, c30, c31);
            }
            for (; i < rows; i++)
            {
                Vector512<double> c0 = b0, c1 = b1;
                ref var ai = ref Unsafe.Add(ref ra, i * k);
                for (var t = 0; t < k; t++)
                {
                    ref var mt = ref Unsafe.Add(ref rm, t * n + j);
                    var x = Vector512.Create(Unsafe.Add(ref ai, t));
                    c0 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref mt), c0);
                    c1 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref mt, 8), c1);
                }
                ref var ci = ref Unsafe.Add(ref rc, i * n + j);
                c0.StoreUnsafe(ref ci);
                c1.StoreUnsafe(ref ci, 8);
            }
        }
        return j;
    }

    /// <summary>C (rows×n) = A (rows×k) · Wᵀ + bias with W (n×k) row-major: dot products, four rows
    /// at a time, for narrow outputs (fewer columns than a vector) where transposing W would not pay.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyTransposed(ReadOnlySpan<double> a, int rows, int k, ReadOnlySpan<double> w, int n, ReadOnlySpan<double> bias, Span<double> c)
    {
        if (a.Length < rows * k || w.Length < n * k || c.Length < rows * n || bias.Length < n)
            throw new ArgumentException("matrix sizes do not fit");
        var i = 0;
        for (; i + 4 <= rows; i += 4)
        {
            var block = a.Slice(i * k, 4 * k);
            for (var j = 0; j < n; j++)
            {
                var (d0, d1, d2, d3) = Kernels.Dot4(w.Slice(j * k, k), block[..k], block.Slice(k, k), block.Slice(2 * k, k), block.Slice(3 * k, k));
                c[i * n + j] = d0 + bias[j];
                c[(i + 1) * n + j] = d1 + bias[j];
                c[(i + 2) * n + j] = d2 + bias[j];
                c[(i + 3) * n + j] = d3 + bias[j];
            }
        }
        for (; i < rows; i++)
        {
            var ai = a.Slice(i * k, k);
            for (var j = 0; j < n; j++) c[i * n + j] = Kernels.Dot(ai, w.Slice(j * k, k)) + bias[j];
        }
    }

    /// <summary>G (n×m) += Dᵀ · A with D (rows×n) and A (rows×m): the weight gradient summed over a batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddTransposedProduct(ReadOnlySpan<double> d, int rows, int n, ReadOnlySpan<double> a, int m, Span<double> g)
    {
        if (d.Length < rows * n || a.Length < rows * m || g.Length < n * m)
            throw new ArgumentException("matrix sizes do not fit");
        ref var rd = ref MemoryMarshal.GetReference(d);
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rg = ref MemoryMarshal.GetReference(g);
        var j = Vector512.IsHardwareAccelerated ? AddTransposedProduct512(ref rd, rows, n, ref ra, m, ref rg) : 0;
        // Column blocks of A outermost: the rows×2W slice of A stays in L1 across the output blocks.
        for (; j + 2 * W <= m; j += 2 * W)
        {
            var o = 0;
            for (; o + 4 <= n; o += 4)
            {
                ref var g0 = ref Unsafe.Add(ref rg, o * m + j);
                var s00 = Vector.LoadUnsafe(ref g0);
                var s01 = Vector.LoadUnsafe(ref g0, (nuint)W);
                var s10 = Vector.LoadUnsafe(ref g0, (nuint)m);
                var s11 = Vector.LoadUnsafe(ref g0, (nuint)(m + W));
                var s20 = Vector.LoadUnsafe(ref g0, (nuint)(2 * m));
                var s21 = Vector.LoadUnsafe(ref g0, (nuint)(2 * m + W));
                var s30 = Vector.LoadUnsafe(ref g0, (nuint)(3 * m));
                var s31 = Vector.LoadUnsafe(ref g0, (nuint)(3 * m + W));
                for (var i = 0; i < rows; i++)
                {
                    ref var ai = ref Unsafe.Add(ref ra, i * m + j);
                    var x0 = Vector.LoadUnsafe(ref ai);
                    var x1 = Vector.LoadUnsafe(ref ai, (nuint)W);
                    ref var di = ref Unsafe.Add(ref rd, i * n + o);
                    var e = new Vector<double>(di);
                    s00 = Vector.FusedMultiplyAdd(e, x0, s00);
                    s01 = Vector.FusedMultiplyAdd(e, x1, s01);
                    e = new Vector<double>(Unsafe.Add(ref di, 1));
                    s10 = Vector.FusedMultiplyAdd(e, x0, s10);
                    s11 = Vector.FusedMultiplyAdd(e, x1, s11);
                    e = new Vector<double>(Unsafe.Add(ref di, 2));
                    s20 = Vector.FusedMultiplyAdd(e, x0, s20);
                    s21 = Vector.FusedMultiplyAdd(e, x1, s21);
                    e = new Vector<double>(Unsafe.Add(ref di, 3));
                    s30 = Vector.FusedMultiplyAdd(e, x0, s30);
                    s31 = Vector.FusedMultiplyAdd(e, x1, s31);
                }
                Store(ref g0, m, s00, s01, s10, s11, s20, s21, s30, s31);
            }
            for (; o < n; o++)
            {
                ref var go = ref Unsafe.Add(ref rg, o * m + j);
                var s0 = Vector.LoadUnsafe(ref go);
                var s1 = Vector.LoadUnsafe(ref go, (nuint)W);
                for (var i = 0; i < rows; i++)
                {
                    ref var ai = ref Unsafe.Add(ref ra, i * m + j);
                    var e = new Vector<double>(Unsafe.Add(ref rd, i * n + o));
                    s0 = Vector.FusedMultiplyAdd(e, Vector.LoadUnsafe(ref ai), s0);
                    s1 = Vector.FusedMultiplyAdd(e, Vector.LoadUnsafe(ref ai, (nuint)W), s1);
                }
                s0.StoreUnsafe(ref go);
                s1.StoreUnsafe(ref go, (nuint)W);
            }
        }
        for (; j + W <= m; j += W)
        {
            for (var o = 0; o < n; o++)
            {
                var s = Vector.LoadUnsafe(ref rg, (nuint)(o * m + j));
                for (var i = 0; i < rows; i++)
                    s = Vector.FusedMultiplyAdd(new Vector<double>(Unsafe.Add(ref rd, i * n + o)), Vector.LoadUnsafe(ref ra, (nuint)(i * m + j)), s);
                s.StoreUnsafe(ref rg, (nuint)(o * m + j));
            }
        }
        for (; j < m; j++)
        {
            for (var o = 0; o < n; o++)
            {
                var s = Unsafe.Add(ref rg, o * m + j);
                for (var i = 0; i < rows; i++) s += Unsafe.Add(ref rd, i * n + o) * Unsafe.Add(ref ra, i * m + j);
                Unsafe.Add(ref rg, o * m + j) = s;
            }
        }
    }

    /// <summary>The columns of <see cref="AddTransposedProduct"/> in whole blocks of 16, then of 8, as <see cref="Multiply512"/> does for its own: the same sums over the rows, in the same order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int AddTransposedProduct512(ref double rd, int rows, int n, ref double ra, int m, ref double rg)
    {
        var j = 0;
        for (; j + 16 <= m; j += 16)
        {
            var o = 0;
            for (; o + 4 <= n; o += 4)
            {
                ref var g0 = ref Unsafe.Add(ref rg, o * m + j);
                var s00 = Vector512.LoadUnsafe(ref g0);
                var s01 = Vector512.LoadUnsafe(ref g0, 8);
                var s10 = Vector512.LoadUnsafe(ref g0, (nuint)m);
                var s11 = Vector512.LoadUnsafe(ref g0, (nuint)(m + 8));
                var s20 = Vector512.LoadUnsafe(ref g0, (nuint)(2 * m));
                var s21 = Vector512.LoadUnsafe(ref g0, (nuint)(2 * m + 8));
                var s30 = Vector512.LoadUnsafe(ref g0, (nuint)(3 * m));
                var s31 = Vector512.LoadUnsafe(ref g0, (nuint)(3 * m + 8));
                for (var i = 0; i < rows; i++)
                {
                    ref var ai = ref Unsafe.Add(ref ra, i * m + j);
                    var x0 = Vector512.LoadUnsafe(ref ai);
                    var x1 = Vector512.LoadUnsafe(ref ai, 8);
                    ref var di = ref Unsafe.Add(ref rd, i * n + o);
                    var e = Vector512.Create(di);
                    s00 = Vector512.FusedMultiplyAdd(e, x0, s00);
                    s01 = Vector512.FusedMultiplyAdd(e, x1, s01);
                    e = Vector512.Create(Unsafe.Add(ref di, 1));
                    s10 = Vector512.FusedMultiplyAdd(e, x0, s10);
                    s11 = Vector512.FusedMultiplyAdd(e, x1, s11);
                    e = Vector512.Create(Unsafe.Add(ref di, 2));
                    s20 = Vector512.FusedMultiplyAdd(e, x0, s20);
                    s21 = Vector512.FusedMultiplyAdd(e, x1, s21);
                    e = Vector512.Create(Unsafe.Add(ref di, 3));
                    s30 = Vector512.FusedMultiplyAdd(e, x0, s30);
                    s31 = Vector512.FusedMultiplyAdd(e, x1, s31);
                }
                Store512(ref g0, m, s00, s01, s10, s11, s20, s21, s30, s31);
            }
            for (; o < n; o++)
            {
                ref var go = ref Unsafe.Add(ref rg, o * m + j);
                var s0 = Vector512.LoadUnsafe(ref go);
                var s1 = Vector512.LoadUnsafe(ref go, 8);
                for (var i = 0; i < rows; i++)
                {
                    ref var ai = ref Unsafe.Add(ref ra, i * m + j);
                    var e = Vector512.Create(Unsafe.Add(ref rd, i * n + o));
                    s0 = Vector512.FusedMultiplyAdd(e, Vector512.LoadUnsafe(ref ai), s0);
                    s1 = Vector512.FusedMultiplyAdd(e, Vector512.LoadUnsafe(ref ai, 8), s1);
                }
                s0.StoreUnsafe(ref go);
                s1.StoreUnsafe(ref go, 8);
            }
        }
        // Eight columns left (eight features, say): one vector per output, four outputs at a time.
        for (; j + 8 <= m; j += 8)
        {
            var o = 0;
            for (; o + 4 <= n; o += 4)
            {
                ref var g0 = ref Unsafe.Add(ref rg, o * m + j);
                var s0 = Vector512.LoadUnsafe(ref g0);
                var s1 = Vector512.LoadUnsafe(ref g0, (nuint)m);
                var s2 = Vector512.LoadUnsafe(ref g0, (nuint)(2 * m));
                var s3 = Vector512.LoadUnsafe(ref g0, (nuint)(3 * m));
                for (var i = 0; i < rows; i++)
                {
                    var x = Vector512.LoadUnsafe(ref Unsafe.Add(ref ra, i * m + j));
                    ref var di = ref Unsafe.Add(ref rd, i * n + o);
                    s0 = Vector512.FusedMultiplyAdd(Vector512.Create(di), x, s0);
                    s1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref di, 1)), x, s1);
                    s2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref di, 2)), x, s2);
                    s3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref di, 3)), x, s3);
                }
                s0.StoreUnsafe(ref g0);
                s1.StoreUnsafe(ref g0, (nuint)m);
                s2.StoreUnsafe(ref g0, (nuint)(2 * m));
                s3.StoreUnsafe(ref g0, (nuint)(3 * m));
            }
            for (; o < n; o++)
            {
                ref var go = ref Unsafe.Add(ref rg, o * m + j);
                var s = Vector512.LoadUnsafe(ref go);
                for (var i = 0; i < rows; i++)
                    s = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref rd, i * n + o)), Vector512.LoadUnsafe(ref ra, (nuint)(i * m + j)), s);
                s.StoreUnsafe(ref go);
            }
        }
        return j;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(ref double at, int stride, Vector512<double> r00, Vector512<double> r01, Vector512<double> r10, Vector512<double> r11,
        Vector512<double> r20, Vector512<double> r21, Vector512<double> r30, Vector512<double> r31)
    {
        r00.StoreUnsafe(ref at);
        r01.StoreUnsafe(ref at, 8);
        r10.StoreUnsafe(ref at, (nuint)stride);
        r11.StoreUnsafe(ref at, (nuint)(stride + 8));
        r20.StoreUnsafe(ref at, (nuint)(2 * stride));
        r21.StoreUnsafe(ref at, (nuint)(2 * stride + 8));
        r30.StoreUnsafe(ref at, (nuint)(3 * stride));
        r31.StoreUnsafe(ref at, (nuint)(3 * stride + 8));
    }

    /// <summary>Writes a 4-row × 2-vector register block to rows <paramref name="stride"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref double at, int stride, Vector<double> r00, Vector<double> r01, Vector<double> r10, Vector<double> r11,
        Vector<double> r20, Vector<double> r21, Vector<double> r30, Vector<double> r31)
    {
        r00.StoreUnsafe(ref at);
        r01.StoreUnsafe(ref at, (nuint)W);
        r10.StoreUnsafe(ref at, (nuint)stride);
        r11.StoreUnsafe(ref at, (nuint)(stride + W));
        r20.StoreUnsafe(ref at, (nuint)(2 * stride));
        r21.StoreUnsafe(ref at, (nuint)(2 * stride + W));
        r30.StoreUnsafe(ref at, (nuint)(3 * stride));
        r31.StoreUnsafe(ref at, (nuint)(3 * stride + W));
    }

    /// <summary>T (k×n) = Mᵀ for M (n×k) row-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(ReadOnlySpan<double> m, int n, int k, Span<double> t)
    {
        if (m.Length < n * k || t.Length < n * k) throw new ArgumentException("matrix sizes do not fit");
        for (var r = 0; r < n; r++)
        {
            var row = m.Slice(r * k, k);
            for (var s = 0; s < k; s++) t[s * n + r] = row[s];
        }
    }
}
