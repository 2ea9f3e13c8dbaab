namespace LeeMl.Sweep.Experiments.Search;

/// <summary>
/// The Sobol low-discrepancy sequence in up to <see cref="MaxDimensions"/> dimensions, with Joe and
/// Kuo's direction numbers (new-joe-kuo-6.21201, the table SciPy and PyTorch use), 32 bits per
/// coordinate, computed for any point index directly (Gray code), so point n costs the same
/// whatever n is and needs no state. An optional digital shift (XOR per dimension) randomises the
/// sequence while keeping its structure.
/// </summary>
public static class Sobol
{
    public const int MaxDimensions = 21;
    private const int Bits = 32;

    // Dimension 1 is van der Corput's; then (primitive polynomial with its leading and trailing
    // ones, initial direction numbers m_1..m_s) for dimensions 2..21.
    private static readonly (uint Poly, uint[] M)[] Table =
    [
        (1, [1]),
        (3, [1]), (7, [1, 3]), (11, [1, 3, 1]), (13, [1, 1, 1]), (19, [1, 1, 3, 3]), (25, [1, 3, 5, 13]),
        (37, [1, 1, 5, 5, 17]), (41, [1, 1, 5, 5, 5]), (47, [1, 1, 7, 11, 19]), (55, [1, 1, 5, 1, 1]),
        (59, [1, 1, 1, 3, 11]), (61, [1, 3, 5, 5, 31]), (67, [1, 3, 3, 9, 7, 49]), (91, [1, 1, 1, 15, 21, 21]),
        (97, [1, 3, 1, 13, 27, 49]), (103, [1, 1, 1, 15, 7, 5]), (109, [1, 3, 1, 15, 13, 25]),
        (115, [1, 1, 5, 5, 19, 61]), (131, [1, 3, 7, 11, 23, 15, 103]), (137, [1, 3, 7, 13, 13, 15, 69]),
    ];

    private static readonly uint[][] Directions = [.. Table.Select((t, d) => DirectionNumbers(d, t.Poly, t.M))];

    private static uint[] DirectionNumbers(int dimension, uint poly, uint[] m)
    {
        var v = new uint[Bits];
        if (dimension == 0)
        {
            for (var k = 0; k < Bits; k++) v[k] = 1u << (Bits - 1 - k);
            return v;
        }
        var s = 31 - System.Numerics.BitOperations.LeadingZeroCount(poly);   // the polynomial's degree
        for (var k = 0; k < s; k++) v[k] = m[k] << (Bits - 1 - k);
        for (var k = s; k < Bits; k++)
        {
            var x = v[k - s] ^ (v[k - s] >> s);
            for (var j = 1; j < s; j++)
                if (((poly >> (s - j)) & 1) != 0) x ^= v[k - j];
            v[k] = x;
        }
        return v;
    }

    /// <summary>Coordinate <paramref name="dimension"/> (0-based) of point <paramref name="index"/> (0-based; point 0 is the origin), XOR <paramref name="shift"/>.</summary>
    public static double Point(long index, int dimension, uint shift = 0)
    {
        if ((uint)dimension >= MaxDimensions) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"Sobol points have at most {MaxDimensions} dimensions");
        if (index < 0 || index >= 1L << Bits) throw new ArgumentOutOfRangeException(nameof(index));
        var gray = (ulong)index ^ ((ulong)index >> 1);
        uint x = 0;
        var v = Directions[dimension];
        for (var k = 0; gray != 0; k++, gray >>= 1)
            if ((gray & 1) != 0) x ^= v[k];
        return (x ^ shift) * (1.0 / 4294967296.0);
    }
}
