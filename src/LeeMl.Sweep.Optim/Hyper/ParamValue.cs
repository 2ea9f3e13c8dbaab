using System.Globalization;

namespace LeeMl.Sweep.Optim.Hyper;

/// <summary>One hyperparameter value as written in a spec, a golden file or on the command line.</summary>
public abstract record ParamValue
{
    public sealed record Number(double Value) : ParamValue
    {
        public override string ToString() => Value.ToString("R", CultureInfo.InvariantCulture);
    }

    public sealed record Text(string Value) : ParamValue
    {
        public override string ToString() => Value;
    }

    public sealed record Flag(bool Value) : ParamValue
    {
        public override string ToString() => Value ? "true" : "false";
    }

    /// <summary>A nested component: lookahead's inner optimizer, warm-up's following schedule.</summary>
    public sealed record Component(ComponentSpec Spec) : ParamValue
    {
        public override string ToString() => Spec.ToString();
    }

    /// <summary>
    /// A value a search draws for each trial (a spec's <c>{ log_uniform: [1e-4, 0.1] }</c>); a component
    /// holding one is a template, and is never built before the draw replaces it with a value.
    /// </summary>
    public sealed record Sampled(Distribution Distribution) : ParamValue
    {
        public override string ToString() => Distribution.ToString();
    }

    /// <summary>Reads a command-line token: a number, true/false, or else text.</summary>
    public static ParamValue Parse(string token)
    {
        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            return new Number(d);
        if (token.Equals("true", StringComparison.OrdinalIgnoreCase)) return new Flag(true);
        if (token.Equals("false", StringComparison.OrdinalIgnoreCase)) return new Flag(false);
        return new Text(token);
    }
}
