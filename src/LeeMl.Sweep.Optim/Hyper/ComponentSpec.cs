using System.Collections.Immutable;

namespace LeeMl.Sweep.Optim.Hyper;

/// <summary>
/// A named, parameterised component — an optimizer or a schedule — as data. Objects are built
/// from it by <see cref="Optimizers.OptimizerCatalog"/> and <see cref="Schedules.ScheduleCatalog"/>,
/// which validate every value eagerly.
/// </summary>
public sealed record ComponentSpec(string Name, ImmutableSortedDictionary<string, ParamValue> Params)
{
    public ComponentSpec(string name) : this(name, ImmutableSortedDictionary<string, ParamValue>.Empty) { }

    public ComponentSpec With(string key, ParamValue value) => this with { Params = Params.SetItem(key, value) };

    public ComponentSpec With(string key, double value) => With(key, new ParamValue.Number(value));

    public bool Has(string key) => Params.ContainsKey(key);

    /// <summary>Readable and stable: <c>adam(beta1=0.9, lr=0.01)</c>.</summary>
    public override string ToString() =>
        Params.Count == 0 ? Name : $"{Name}({string.Join(", ", Params.Select(p => $"{p.Key}={p.Value}"))})";

    /// <summary>The inverse of <see cref="ToString"/>: <c>warmup-linear(then=cosine(lr=0.1), warmup_steps=10)</c>.</summary>
    public static ComponentSpec Parse(string text)
    {
        var position = 0;
        var spec = ParseComponent(text, ref position);
        if (position != text.Length) throw new FormatException($"unexpected '{text[position..]}' in '{text}'");
        return spec;
    }

    private static ComponentSpec ParseComponent(string text, ref int i)
    {
        var start = i;
        while (i < text.Length && text[i] is not ('(' or ')' or ',')) i++;
        var spec = new ComponentSpec(text[start..i]);
        if (i >= text.Length || text[i] != '(') return spec;
        i++;
        while (true)
        {
            var eq = text.IndexOf('=', i);
            if (eq < 0) throw new FormatException($"missing '=' in '{text}'");
            var key = text[i..eq];
            i = eq + 1;
            var valueStart = i;
            while (i < text.Length && text[i] is not ('(' or ')' or ',')) i++;
            if (i < text.Length && text[i] == '(')
            {
                i = valueStart;
                spec = spec.With(key, new ParamValue.Component(ParseComponent(text, ref i)));
            }
            else
            {
                spec = spec.With(key, ParamValue.Parse(text[valueStart..i]));
            }
            if (i >= text.Length) throw new FormatException($"unclosed '(' in '{text}'");
            if (text[i] == ')') { i++; return spec; }
            i += text[i..].StartsWith(", ", StringComparison.Ordinal) ? 2 : 1;
        }
    }

    /// <summary>
    /// Builds a spec from flat <c>key=value</c> pairs. Dotted keys nest: <c>inner=adam</c> and
    /// <c>inner.lr=0.02</c> give <c>inner = adam(lr=0.02)</c>.
    /// </summary>
    public static ComponentSpec FromPairs(string name, IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var flat = new List<KeyValuePair<string, string>>(pairs);
        var result = new ComponentSpec(name);
        var nestedNames = flat.Where(p => !p.Key.Contains('.')).ToDictionary(p => p.Key, p => p.Value);
        var nestedKeys = flat.Where(p => p.Key.Contains('.')).Select(p => p.Key[..p.Key.IndexOf('.')]).Distinct();
        foreach (var key in nestedKeys)
        {
            if (!nestedNames.TryGetValue(key, out var innerName))
                throw new HyperparameterException($"'{key}.…' is given but '{key}' (the name of the nested component) is not");
            var innerPairs = flat.Where(p => p.Key.StartsWith(key + ".", StringComparison.Ordinal))
                .Select(p => KeyValuePair.Create(p.Key[(key.Length + 1)..], p.Value));
            result = result.With(key, new ParamValue.Component(FromPairs(innerName, innerPairs)));
        }
        foreach (var (key, value) in nestedNames)
            if (!result.Has(key))
                result = result.With(key, ParamValue.Parse(value));
        return result;
    }
}
