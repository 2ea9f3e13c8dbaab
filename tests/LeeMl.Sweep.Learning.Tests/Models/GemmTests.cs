using System.Numerics;
using LeeMl.Sweep.Learning.Models;

namespace LeeMl.Sweep.Learning.Tests.Models;

/// <summary>
/// The products' bits do not depend on how wide the vectors are that compute them: each element is
/// one chain of fused multiply-adds in index order where the product gives that column to vectors
/// (the first Vector&lt;double&gt;.Count·⌊n/Count⌋ columns), and plain multiply-and-add beyond. The
/// reference below computes exactly that one element at a time; the shapes cover 512-bit blocks of
/// 16 and 8 columns, the narrower blocks, and the scalar tails.
/// </summary>
public sealed class GemmTests
{
    private static readonly int W = Vector<double>.Count;

    public static IEnumerable<object[]> Shapes() =>
        from rows in new[] { 1, 3, 4, 13, 32 }
        from inner in new[] { 1, 2, 8, 19 }
        from columns in new[] { 1, 2, 5, 8, 12, 16, 19, 33, 64 }
        select new object[] { rows, inner, columns };

    private static double[] Values(int length, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => rng.NextDouble() * 2 - 1)];
    }

    private static bool Vectored(int column, int columns) => column < columns / W * W;

    private static void AssertBits(double[] expected, double[] actual) =>
        Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), actual.Select(BitConverter.DoubleToInt64Bits));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Multiply_gives_each_element_s_own_chain_of_sums(int rows, int inner, int columns)
    {
        var a = Values(rows * inner, 1);
        var m = Values(inner * columns, 2);
        foreach (var bias in new[] { Values(columns, 3), [] })
        {
            var c = new double[rows * columns];
            Gemm.Multiply(a, rows, inner, m, columns, bias, c);
            var expected = new double[rows * columns];
            for (var i = 0; i < rows; i++)
                for (var j = 0; j < columns; j++)
                {
                    var s = bias.Length > 0 ? bias[j] : 0.0;
                    for (var t = 0; t < inner; t++)
                        s = Vectored(j, columns) ? Math.FusedMultiplyAdd(a[i * inner + t], m[t * columns + j], s) : s + a[i * inner + t] * m[t * columns + j];
                    expected[i * columns + j] = s;
                }
            AssertBits(expected, c);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_batch_gradient_adds_each_element_s_own_chain_of_sums(int rows, int outputs, int columns)
    {
        var d = Values(rows * outputs, 4);
        var a = Values(rows * columns, 5);
        var g = Values(outputs * columns, 6);
        var expected = (double[])g.Clone();
        Gemm.AddTransposedProduct(d, rows, outputs, a, columns, g);
        for (var o = 0; o < outputs; o++)
            for (var j = 0; j < columns; j++)
            {
                var s = expected[o * columns + j];
                for (var i = 0; i < rows; i++)
                    s = Vectored(j, columns) ? Math.FusedMultiplyAdd(d[i * outputs + o], a[i * columns + j], s) : s + d[i * outputs + o] * a[i * columns + j];
                expected[o * columns + j] = s;
            }
        AssertBits(expected, g);
    }
}
