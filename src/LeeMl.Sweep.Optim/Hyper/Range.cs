using System.Globalization;

namespace LeeMl.Sweep.Optim.Hyper;

/// <summary>An allowed interval for a number, with open or closed ends, that can describe itself.</summary>
public readonly record struct Range(double Min, bool MinInclusive, double Max, bool MaxInclusive)
{
    public static readonly Range Any = new(double.NegativeInfinity, false, double.PositiveInfinity, false);
    public static readonly Range Positive = new(0, false, double.PositiveInfinity, false);
    public static readonly Range NonNegative = new(0, true, double.PositiveInfinity, false);
    /// <summary>[0, 1): decay rates such as momentum, beta1, beta2, alpha.</summary>
    public static readonly Range DecayRate = new(0, true, 1, false);
    /// <summary>(0, 1].</summary>
    public static readonly Range Fraction = new(0, false, 1, true);
    public static readonly Range PositiveInteger = new(1, true, double.PositiveInfinity, false);

    public bool Contains(double v) =>
        !double.IsNaN(v)
        && (MinInclusive ? v >= Min : v > Min)
        && (MaxInclusive ? v <= Max : v < Max);

    public string Describe(string name)
    {
        static string F(double d) => d.ToString("R", CultureInfo.InvariantCulture);
        var lo = double.IsNegativeInfinity(Min) ? null : $"{F(Min)} {(MinInclusive ? "<=" : "<")} ";
        var hi = double.IsPositiveInfinity(Max) ? null : $" {(MaxInclusive ? "<=" : "<")} {F(Max)}";
        return lo is null && hi is null ? $"{name} finite" : $"{lo}{name}{hi}";
    }
}
