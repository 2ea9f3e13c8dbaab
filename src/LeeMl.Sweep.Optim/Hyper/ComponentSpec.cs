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
