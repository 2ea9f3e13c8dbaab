using MathNet.Numerics.Distributions;

namespace LeeMl.Sweep.Reporting.Analysis;

/// <summary>Mean, sample standard deviation and a 95 % t-interval for the mean.</summary>
public readonly record struct Estimate(double Mean, double Sd, int N)
{
    public double HalfWidth => N < 2 ? double.NaN : StudentT.InvCDF(0, 1, N - 1, 0.975) * Sd / Math.Sqrt(N);

    public double Low => Mean - HalfWidth;

    public double High => Mean + HalfWidth;

    /// <summary>The interval lies wholly above (+1) or below (−1) zero, or straddles it (0).</summary>
    public int Sign => N < 2 || double.IsNaN(HalfWidth) ? 0 : Low > 0 ? 1 : High < 0 ? -1 : 0;

    public static Estimate Of(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length == 0) return new Estimate(double.NaN, double.NaN, 0);
        var mean = v.Average();
        var sd = v.Length < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
        return new Estimate(mean, sd, v.Length);
    }
}
