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
/// Where the processor has 512-bit vectors the blocks use them first, then the narrower vectors
/// take the columns left. Every element is one chain of fused multiply-adds in index order, and the
/// columns given to vectors are the same whatever their width (the first Vector&lt;double&gt;.Count ·
/// ⌊n / Count⌋; plain multiply-and-add beyond): the results are the same bits on every width.
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
        var j = Vector512.IsHardwareAccelerated ? MultiplyBlocks<Lanes512>(ref ra, rows, k, ref rm, n, bias, ref rc, 0) : 0;
        j = MultiplyBlocks<Lanes>(ref ra, rows, k, ref rm, n, bias, ref rc, j);
        var hasBias = !bias.IsEmpty;
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

    /// <summary>The columns of <see cref="Multiply"/> from <paramref name="j"/> on in blocks of two
    /// <typeparamref name="TV"/> vectors, four rows at a time; returns the first column left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int MultiplyBlocks<TV>(ref double ra, int rows, int k, ref double rm, int n, ReadOnlySpan<double> bias, ref double rc, int j)
        where TV : struct, ILanes<TV>
    {
        var w = TV.Count;
        var hasBias = !bias.IsEmpty;
        ref var rb = ref MemoryMarshal.GetReference(bias);
        // Column blocks outermost: the k×2w slice of M stays in L1 while every row block passes over it.
        for (; j + 2 * w <= n; j += 2 * w)
        {
            var b0 = hasBias ? TV.Load(ref rb, (nuint)j) : default;
            var b1 = hasBias ? TV.Load(ref rb, (nuint)(j + w)) : default;
            var i = 0;
            for (; i + 4 <= rows; i += 4)
            {
                TV c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
                ref var a0 = ref Unsafe.Add(ref ra, i * k);
                ref var a1 = ref Unsafe.Add(ref a0, k);
                ref var a2 = ref Unsafe.Add(ref a1, k);
                ref var a3 = ref Unsafe.Add(ref a2, k);
                for (var t = 0; t < k; t++)
                {
                    ref var mt = ref Unsafe.Add(ref rm, t * n + j);
                    var m0 = TV.Load(ref mt, 0);
                    var m1 = TV.Load(ref mt, (nuint)w);
                    var x = TV.Broadcast(Unsafe.Add(ref a0, t));
                    c00 = TV.FusedMultiplyAdd(x, m0, c00);
                    c01 = TV.FusedMultiplyAdd(x, m1, c01);
                    x = TV.Broadcast(Unsafe.Add(ref a1, t));
                    c10 = TV.FusedMultiplyAdd(x, m0, c10);
                    c11 = TV.FusedMultiplyAdd(x, m1, c11);
                    x = TV.Broadcast(Unsafe.Add(ref a2, t));
                    c20 = TV.FusedMultiplyAdd(x, m0, c20);
                    c21 = TV.FusedMultiplyAdd(x, m1, c21);
                    x = TV.Broadcast(Unsafe.Add(ref a3, t));
                    c30 = TV.FusedMultiplyAdd(x, m0, c30);
                    c31 = TV.FusedMultiplyAdd(x, m1, c31);
                }
                Store(ref Unsafe.Add(ref rc, i * n + j), n, w, c00, c01, c10, c11, c20, c21, c30, c31);
            }
            for (; i < rows; i++)
            {
                TV c0 = b0, c1 = b1;
                ref var ai = ref Unsafe.Add(ref ra, i * k);
                for (var t = 0; t < k; t++)
                {
                    ref var mt = ref Unsafe.Add(ref rm, t * n + j);
                    var x = TV.Broadcast(Unsafe.Add(ref ai, t));
                    c0 = TV.FusedMultiplyAdd(x, TV.Load(ref mt, 0), c0);
                    c1 = TV.FusedMultiplyAdd(x, TV.Load(ref mt, (nuint)w), c1);
                }
                ref var ci = ref Unsafe.Add(ref rc, i * n + j);
                c0.Store(ref ci, 0);
                c1.Store(ref ci, (nuint)w);
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
        var j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            j = GradientBlocks<Lanes512>(ref rd, rows, n, ref ra, m, ref rg, j);
            j = GradientColumns<Lanes512>(ref rd, rows, n, ref ra, m, ref rg, j);
        }
        j = GradientBlocks<Lanes>(ref rd, rows, n, ref ra, m, ref rg, j);
        j = GradientColumns<Lanes>(ref rd, rows, n, ref ra, m, ref rg, j);
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

    /// <summary>The columns of <see cref="AddTransposedProduct"/> from <paramref name="j"/> on in blocks
    /// of two <typeparamref name="TV"/> vectors, four outputs at a time; returns the first column left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int GradientBlocks<TV>(ref double rd, int rows, int n, ref double ra, int m, ref double rg, int j)
        where TV : struct, ILanes<TV>
    {
        var w = TV.Count;
        // Column blocks of A outermost: the rows×2w slice of A stays in L1 across the output blocks.
        for (; j + 2 * w <= m; j += 2 * w)
        {
            var o = 0;
            for (; o + 4 <= n; o += 4)
            {
                ref var g0 = ref Unsafe.Add(ref rg, o * m + j);
                var s00 = TV.Load(ref g0, 0);
                var s01 = TV.Load(ref g0, (nuint)w);
                var s10 = TV.Load(ref g0, (nuint)m);
                var s11 = TV.Load(ref g0, (nuint)(m + w));
                var s20 = TV.Load(ref g0, (nuint)(2 * m));
                var s21 = TV.Load(ref g0, (nuint)(2 * m + w));
                var s30 = TV.Load(ref g0, (nuint)(3 * m));
                var s31 = TV.Load(ref g0, (nuint)(3 * m + w));
                for (var i = 0; i < rows; i++)
                {
                    ref var ai = ref Unsafe.Add(ref ra, i * m + j);
                    var x0 = TV.Load(ref ai, 0);
                    var x1 = TV.Load(ref ai, (nuint)w);
                    ref var di = ref Unsafe.Add(ref rd, i * n + o);
                    var e = TV.Broadcast(di);
                    s00 = TV.FusedMultiplyAdd(e, x0, s00);
                    s01 = TV.FusedMultiplyAdd(e, x1, s01);
                    e = TV.Broadcast(Unsafe.Add(ref di, 1));
                    s10 = TV.FusedMultiplyAdd(e, x0, s10);
                    s11 = TV.FusedMultiplyAdd(e, x1, s11);
                    e = TV.Broadcast(Unsafe.Add(ref di, 2));
                    s20 = TV.FusedMultiplyAdd(e, x0, s20);
                    s21 = TV.FusedMultiplyAdd(e, x1, s21);
                    e = TV.Broadcast(Unsafe.Add(ref di, 3));
                    s30 = TV.FusedMultiplyAdd(e, x0, s30);
                    s31 = TV.FusedMultiplyAdd(e, x1, s31);
                }
                Store(ref g0, m, w, s00, s01, s10, s11, s20, s21, s30, s31);
            }
            for (; o < n; o++)
            {
                ref var go = ref Unsafe.Add(ref rg, o * m + j);
                var s0 = TV.Load(ref go, 0);
                var s1 = TV.Load(ref go, (nuint)w);
                for (var i = 0; i < rows; i++)
                {
                    ref var ai = ref Unsafe.Add(ref ra, i * m + j);
                    var e = TV.Broadcast(Unsafe.Add(ref rd, i * n + o));
                    s0 = TV.FusedMultiplyAdd(e, TV.Load(ref ai, 0), s0);
                    s1 = TV.FusedMultiplyAdd(e, TV.Load(ref ai, (nuint)w), s1);
                }
                s0.Store(ref go, 0);
                s1.Store(ref go, (nuint)w);
            }
        }
        return j;
    }

    /// <summary>Columns of <see cref="AddTransposedProduct"/> one <typeparamref name="TV"/> vector at a
    /// time (eight features, say), four outputs at a time; returns the first column left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int GradientColumns<TV>(ref double rd, int rows, int n, ref double ra, int m, ref double rg, int j)
        where TV : struct, ILanes<TV>
    {
        var w = TV.Count;
        for (; j + w <= m; j += w)
        {
            var o = 0;
            for (; o + 4 <= n; o += 4)
            {
                ref var g0 = ref Unsafe.Add(ref rg, o * m + j);
                var s0 = TV.Load(ref g0, 0);
                var s1 = TV.Load(ref g0, (nuint)m);
                var s2 = TV.Load(ref g0, (nuint)(2 * m));
                var s3 = TV.Load(ref g0, (nuint)(3 * m));
                for (var i = 0; i < rows; i++)
                {
                    var x = TV.Load(ref ra, (nuint)(i * m + j));
                    ref var di = ref Unsafe.Add(ref rd, i * n + o);
                    s0 = TV.FusedMultiplyAdd(TV.Broadcast(di), x, s0);
                    s1 = TV.FusedMultiplyAdd(TV.Broadcast(Unsafe.Add(ref di, 1)), x, s1);
                    s2 = TV.FusedMultiplyAdd(TV.Broadcast(Unsafe.Add(ref di, 2)), x, s2);
                    s3 = TV.FusedMultiplyAdd(TV.Broadcast(Unsafe.Add(ref di, 3)), x, s3);
                }
                s0.Store(ref g0, 0);
                s1.Store(ref g0, (nuint)m);
                s2.Store(ref g0, (nuint)(2 * m));
                s3.Store(ref g0, (nuint)(3 * m));
            }
            for (; o < n; o++)
            {
                ref var go = ref Unsafe.Add(ref rg, o * m + j);
                var s = TV.Load(ref go, 0);
                for (var i = 0; i < rows; i++)
                    s = TV.FusedMultiplyAdd(TV.Broadcast(Unsafe.Add(ref rd, i * n + o)), TV.Load(ref ra, (nuint)(i * m + j)), s);
                s.Store(ref go, 0);
            }
        }
        return j;
    }

    /// <summary>Writes a 4-row × 2-vector register block to rows <paramref name="stride"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TV>(ref double at, int stride, int w, TV r00, TV r01, TV r10, TV r11, TV r20, TV r21, TV r30, TV r31)
        where TV : struct, ILanes<TV>
    {
        r00.Store(ref at, 0);
        r01.Store(ref at, (nuint)w);
        r10.Store(ref at, (nuint)stride);
        r11.Store(ref at, (nuint)(stride + w));
        r20.Store(ref at, (nuint)(2 * stride));
        r21.Store(ref at, (nuint)(2 * stride + w));
        r30.Store(ref at, (nuint)(3 * stride));
        r31.Store(ref at, (nuint)(3 * stride + w));
    }

    /// <summary>One register of doubles, so that one blocked loop serves every width: the compiler
    /// makes a copy of the loop for each width it is used with, with the width's own instructions.</summary>
    private interface ILanes<TSelf> where TSelf : struct, ILanes<TSelf>
    {
        static abstract int Count { get; }

        static abstract TSelf Load(ref double at, nuint offset);

        static abstract TSelf Broadcast(double value);

        /// <summary>a·b + c, rounded once.</summary>
        static abstract TSelf FusedMultiplyAdd(TSelf a, TSelf b, TSelf c);

        void Store(ref double at, nuint offset);
    }

    /// <summary>The platform's <see cref="Vector{T}"/> (256 bits on x64).</summary>
    private readonly struct Lanes(Vector<double> v) : ILanes<Lanes>
    {
        private readonly Vector<double> _v = v;

        public static int Count => Vector<double>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes Load(ref double at, nuint offset) => new(Vector.LoadUnsafe(ref at, offset));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes Broadcast(double value) => new(new Vector<double>(value));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes FusedMultiplyAdd(Lanes a, Lanes b, Lanes c) => new(Vector.FusedMultiplyAdd(a._v, b._v, c._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(ref double at, nuint offset) => _v.StoreUnsafe(ref at, offset);
    }

    /// <summary>512 bits, used only where <see cref="Vector512.IsHardwareAccelerated"/>.</summary>
    private readonly struct Lanes512(Vector512<double> v) : ILanes<Lanes512>
    {
        private readonly Vector512<double> _v = v;

        public static int Count => Vector512<double>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes512 Load(ref double at, nuint offset) => new(Vector512.LoadUnsafe(ref at, offset));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes512 Broadcast(double value) => new(Vector512.Create(value));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes512 FusedMultiplyAdd(Lanes512 a, Lanes512 b, Lanes512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(ref double at, nuint offset) => _v.StoreUnsafe(ref at, offset);
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
