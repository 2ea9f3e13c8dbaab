using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace LeeMl.Sweep.Experiments.Specs;

/// <summary>
/// A YAML node with its path in the spec (<c>grid.optimizer[1].lr</c>) and its line, so every
/// error can say where it is. JSON is read through the same parser (JSON is YAML flow style).
/// </summary>
public sealed class SpecNode(string file, string path, YamlNode node)
{
    public string Path { get; } = path;

    public YamlNode Node { get; } = node;

    public int Line => (int)Node.Start.Line;

    public SpecException Error(string message) => new($"{file}:{Line}: {(Path.Length == 0 ? "" : Path + ": ")}{message}");

    public bool IsScalar => Node is YamlScalarNode;

    public bool IsMap => Node is YamlMappingNode;

    public bool IsSeq => Node is YamlSequenceNode;

    public string Scalar() => Node is YamlScalarNode s ? s.Value ?? "" : throw Error($"expected a single value, found {Kind}");

    /// <summary>Quoted strings stay text; plain ones may be numbers or booleans.</summary>
    public bool IsPlain => Node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain };

    private string Kind => Node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => $"'{(Node as YamlScalarNode)?.Value}'",
    };

    public IEnumerable<(string Key, SpecNode Value)> Entries()
    {
        if (Node is not YamlMappingNode map) throw Error($"expected a mapping (key: value), found {Kind}");
        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? throw new SpecNode(file, Path, k).Error("keys must be plain names");
            yield return (key, new SpecNode(file, Path.Length == 0 ? key : $"{Path}.{key}", v));
        }
    }

    public IReadOnlyList<SpecNode> Items()
    {
        if (Node is YamlSequenceNode seq)
            return [.. seq.Children.Select((c, i) => new SpecNode(file, $"{Path}[{i}]", c))];
        throw Error($"expected a list, found {Kind}");
    }

    /// <summary>A list, or a single value taken as a list of one.</summary>
    public IReadOnlyList<SpecNode> ItemsOrOne() => IsSeq ? Items() : [this];

    public double Double(double min = double.NegativeInfinity, double max = double.PositiveInfinity, bool minInclusive = true, bool maxInclusive = true)
    {
        var text = Scalar();
        if (!IsPlain || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw Error($"'{text}' is not a number");
        if (!double.IsFinite(v)) throw Error($"'{text}' is not a finite number");
        var tooLow = minInclusive ? v < min : v <= min;
        var tooHigh = maxInclusive ? v > max : v >= max;
        if (tooLow || tooHigh)
            throw Error($"{text} is out of range; allowed: {(double.IsNegativeInfinity(min) ? "" : $"{min.ToString(CultureInfo.InvariantCulture)} {(minInclusive ? "<=" : "<")} ")}value{(double.IsPositiveInfinity(max) ? "" : $" {(maxInclusive ? "<=" : "<")} {max.ToString(CultureInfo.InvariantCulture)}")}");
        return v;
    }

    public int Int(int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Scalar();
        if (!IsPlain || !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw Error($"'{text}' is not a whole number");
        if (v < min || v > max) throw Error($"{v} is out of range; allowed: {min} <= value{(max == int.MaxValue ? "" : $" <= {max}")}");
        return v;
    }

    public bool IsNone => Node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s && s.Value is "none" or "null" or "~" or "";
}
