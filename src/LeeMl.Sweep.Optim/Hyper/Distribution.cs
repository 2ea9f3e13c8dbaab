using System.Globalization;

namespace LeeMl.Sweep.Optim.Hyper;

/// <summary>
/// Where a search draws a hyperparameter from: <c>uniform</c> and <c>log_uniform</c> over [low, high],
/// <c>int_uniform</c> over the integers low..high, or a <c>choice</c> among values. A draw maps a
/// number u in [0, 1) — random or quasi-random — to a value; continuous values are rounded to four
/// significant digits, so the value a trial's key shows is exactly the value it trained with.
/// </summary>
public abstract record Distribution
{
    public sealed record Uniform(double Low, double High) : Distribution
    {
        public override ParamValue At(double u) => new ParamValue.Number(Clamp(Round(Low + u * (High - Low)), Low, High));
        public override string ToString() => $"uniform[{F(Low)}, {F(High)}]";
    }

    public sealed record LogUniform(double Low, double High) : Distribution
    {
        public override ParamValue At(double u) => new ParamValue.Number(Clamp(Round(Math.Exp(Math.Log(Low) + u * (Math.Log(High) - Math.Log(Low)))), Low, High));
        public override string ToString() => $"log_uniform[{F(Low)}, {F(High)}]";
    }

    public sealed record IntUniform(long Low, long High) : Distribution
    {
        public override ParamValue At(double u) => new ParamValue.Number(Math.Min(High, Low + (long)Math.Floor(u * (High - Low + 1))));
        public override string ToString() => $"int_uniform[{Low}, {High}]";
    }

    public sealed record Choice(IReadOnlyList<ParamValue> Options) : Distribution
    {
        public override ParamValue At(double u) => Options[Math.Min(Options.Count - 1, (int)Math.Floor(u * Options.Count))];
        public override string ToString() => $"choice[{string.Join(", ", Options)}]";
        public bool Equals(Choice? other) => other is not null && Options.SequenceEqual(other.Options);
        public override int GetHashCode() => Options.Aggregate(17, (h, o) => h * 31 + o.GetHashCode());
    }

    /// <summary>The value at u ∈ [0, 1).</summary>
    public abstract ParamValue At(double u);

    /// <summary>The values that bound what a draw can give (low and high, or every option): a spec is checked with each.</summary>
    public IEnumerable<ParamValue> Corners() => this switch
    {
        Choice c => c.Options,
        IntUniform i => [new ParamValue.Number(i.Low), new ParamValue.Number(i.High)],
        Uniform x => [new ParamValue.Number(x.Low), new ParamValue.Number(x.High)],
        LogUniform x => [new ParamValue.Number(x.Low), new ParamValue.Number(x.High)],
        _ => [],
    };

    /// <summary>Four significant digits: 0.001234, 12.35.</summary>
    public static double Round(double v) =>
        double.IsFinite(v) ? double.Parse(v.ToString("G4", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture) : v;

    private static double Clamp(double v, double low, double high) => Math.Min(high, Math.Max(low, v));

    private static string F(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
