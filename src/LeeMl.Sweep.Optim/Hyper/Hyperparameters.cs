using System.Globalization;

namespace LeeMl.Sweep.Optim.Hyper;

/// <summary>
/// Typed, validating reader over a <see cref="ComponentSpec"/>'s parameters. Each getter states
/// the default and the allowed range; <see cref="EnsureAllUsed"/> then rejects any key nobody
/// asked for, listing the known ones. Errors name the component, the parameter, the value and
/// the allowed range, in the style of torch.optim's eager checks.
/// </summary>
public sealed class Hyperparameters(ComponentSpec spec, string kind)
{
    private readonly List<string> _known = [];

    public ComponentSpec Spec { get; } = spec;

    private string Who => $"{kind} '{Spec.Name}'";

    private ParamValue? Take(string name)
    {
        _known.Add(name);
        return Spec.Params.GetValueOrDefault(name);
    }

    /// <summary>A number; <paramref name="fallback"/> null makes it required.</summary>
    public double Double(string name, double? fallback, Range range)
    {
        var raw = Take(name);
        double value;
        switch (raw)
        {
            case null when fallback is null:
                throw new HyperparameterException($"{Who}: hyperparameter '{name}' is required ({range.Describe(name)})");
            case null:
                value = fallback.Value;
                break;
            case ParamValue.Number n:
                value = n.Value;
                break;
            default:
                throw new HyperparameterException($"{Who}: {name} = '{raw}' is not a number; allowed: {range.Describe(name)}");
        }
        if (!double.IsFinite(value) || !range.Contains(value))
            throw new HyperparameterException(
                $"{Who}: {name} = {value.ToString("R", CultureInfo.InvariantCulture)} is out of range; allowed: {range.Describe(name)}");
        return value;
    }

    public bool IsGiven(string name) => Spec.Params.ContainsKey(name);

    /// <summary>Marks a parameter as known without reading it; says whether it is given.</summary>
    public bool Declare(string name)
    {
        _known.Add(name);
        return IsGiven(name);
    }

    public int Int(string name, int? fallback, Range range)
    {
        var value = Double(name, fallback, range);
        if (value != Math.Floor(value) || value > int.MaxValue)
            throw new HyperparameterException($"{Who}: {name} = {value.ToString("R", CultureInfo.InvariantCulture)} must be a whole number; allowed: {range.Describe(name)}");
        return (int)value;
    }

    public bool Bool(string name, bool fallback)
    {
        var raw = Take(name);
        return raw switch
        {
            null => fallback,
            ParamValue.Flag f => f.Value,
            _ => throw new HyperparameterException($"{Who}: {name} = '{raw}' must be true or false"),
        };
    }

    public string Choice(string name, string fallback, params string[] allowed)
    {
        var raw = Take(name);
        var value = raw switch
        {
            null => fallback,
            ParamValue.Text t => t.Value,
            _ => raw.ToString()!,
        };
        if (!allowed.Contains(value, StringComparer.Ordinal))
            throw new HyperparameterException($"{Who}: {name} = '{value}' is not allowed; allowed: {string.Join(", ", allowed)}");
        return value;
    }

    public ComponentSpec Component(string name)
    {
        var raw = Take(name);
        return raw switch
        {
            ParamValue.Component c => c.Spec,
            ParamValue.Text t => new ComponentSpec(t.Value),
            null => throw new HyperparameterException($"{Who}: hyperparameter '{name}' is required"),
            _ => throw new HyperparameterException($"{Who}: {name} = '{raw}' must name a component"),
        };
    }

    /// <summary>Rejects parameters that no getter asked for (typos, parameters of another optimizer).</summary>
    public void EnsureAllUsed()
    {
        foreach (var key in Spec.Params.Keys)
            if (!_known.Contains(key))
                throw new HyperparameterException(
                    $"{Who}: unknown hyperparameter '{key}'; known: {(_known.Count == 0 ? "(none)" : string.Join(", ", _known.Distinct()))}");
    }
}
