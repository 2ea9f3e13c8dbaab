using System.Globalization;

namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>Sizes as people write them: 1500, 500K, 200M, 1G (powers of 1024).</summary>
public static class Sizes
{
    public static long Parse(string text, string what)
    {
        var t = text.Trim().ToUpperInvariant().TrimEnd('B');
        var factor = t.Length > 0 && char.IsLetter(t[^1])
            ? t[^1] switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, 'T' => 1L << 40, _ => 0 }
            : 1;
        var number = factor == 1 ? t : t[..^1];
        if (factor == 0 || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v <= 0 || v * factor > long.MaxValue / 2)
            throw new FormatException($"{what} '{text}' is not a size (bytes, or with K, M, G: 500M, 2G)");
        return (long)(v * factor);
    }
}
