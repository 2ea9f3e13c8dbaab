using System.Collections.Immutable;
using LeeMl.Sweep.Experiments.Functions;
using LeeMl.Sweep.Experiments.Search;
using LeeMl.Sweep.Experiments.Text;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Experiments.Specs;

public static partial class SpecParser
{
    private static readonly string[] FunctionTopKeys = ["name", "function", "objective", "seeds", "seed", "grid", "max_trials", "max_attempts", "search", "kind", "warm_start"];
    private static readonly string[] FunctionKeys = ["name", "dimensions", "noise", "seconds"];

    /// <summary>The name every function trial's component has; its parameters are the function's arguments.</summary>
    public const string FunctionComponent = "function";

    /// <summary>
    /// A spec with a <c>function</c>: each trial evaluates a built-in test function at x1…xd (the
    /// grid's parameters: levels, distributions or single values) and reports one step whose metric
    /// <c>value</c> is the result. For trying a searcher without training anything.
    /// </summary>
    private static SweepSpec ParseFunction(SpecNode root, Dictionary<string, SpecNode> keys, string name, string text)
    {
        foreach (var (key, value) in keys)
            if (!FunctionTopKeys.Contains(key))
                throw value.Error(key == "program" ? "a spec has a function or a program, not both"
                    : $"unknown key '{key}' for a function sweep; known: {string.Join(", ", FunctionTopKeys)}");
        if (keys.TryGetValue("kind", out var kindNode) && kindNode.Scalar() != Trials.FunctionTrialKind.KindName)
            throw kindNode.Error($"a spec with a function is of kind '{Trials.FunctionTrialKind.KindName}'");
        var function = FunctionOf(keys["function"]);
        var objective = keys.TryGetValue("objective", out var on) ? ObjectiveOf(on, ["value"]) : new Programs.ProgramObjective("value", Maximize: false);
        var (seeds, seed, maxTrials, maxAttempts) = TrialBounds(keys);
        var search = keys.TryGetValue("search", out var sn) ? SearchOf(sn) : SearchSpec.Grid;
        var gridNode = keys.GetValueOrDefault("grid") ?? throw root.Error($"missing key 'grid' (the arguments {string.Join(", ", function.Arguments)}, each a list, a distribution or a value)");
        var given = gridNode.Entries().Select(e => e.Key).ToList();
        var wanted = function.Arguments.ToList();
        if (!given.Order(StringComparer.Ordinal).SequenceEqual(wanted.Order(StringComparer.Ordinal)))
            throw gridNode.Error($"{function.Name} in {function.Dimensions} dimensions takes the arguments {string.Join(", ", wanted)}; the grid gives {(given.Count == 0 ? "none" : string.Join(", ", given))}");
        var cells = ParameterCells(gridNode, maxTrials, FunctionComponent);
        foreach (var cell in cells)
            foreach (var corner in SearchSpec.Corners(cell))
                foreach (var (argument, value) in corner.Params)
                    if (value is not ParamValue.Number)
                        throw gridNode.Error($"argument {argument} is '{Printable.Escape(value.ToString())}'; the function takes numbers");
        var dimensions = cells.Max(m => SearchSpec.Dimensions(m));
        if (dimensions > 0 && search.Method == SearchMethod.Grid)
            throw (sn ?? gridNode).Error("a distribution ({ uniform: [...] }, ...) needs a search that draws it: search: { method: random | sobol | tpe, samples: N }");
        CheckTpe(search, sn, cells, gridNode);
        if (search.Method == SearchMethod.Sobol && dimensions > Sobol.MaxDimensions)
            throw sn!.Error($"a trial draws {dimensions} values; Sobol points have at most {Sobol.MaxDimensions} dimensions (use method: random)");
        var spec = new SweepSpec(name, new DataSpec("none", ImmutableSortedDictionary<string, string>.Empty), 0, cells, 1, 1, seeds, seed,
            new Grid([], [null], [null], [null]), maxTrials, maxAttempts, text, search, null)
        { Kind = Trials.FunctionTrialKind.KindName, Function = function, GivenObjective = objective, WarmStart = WarmStartOf(keys) };
        var count = Planning.TrialPlan.CountOf(spec);
        if (count > maxTrials)
            throw (keys.GetValueOrDefault("max_trials") ?? gridNode).Error($"the sweep has {count} trials, over the limit of {maxTrials} (raise max_trials to allow it)");
        return spec;
    }

    private static FunctionSpec FunctionOf(SpecNode node)
    {
        var fields = node.Entries().ToDictionary(x => x.Key, x => x.Value);
        foreach (var k in fields.Keys.Where(k => !FunctionKeys.Contains(k)))
            throw fields[k].Error($"unknown key '{k}' for function; known: {string.Join(", ", FunctionKeys)}");
        var nameNode = fields.GetValueOrDefault("name") ?? throw node.Error($"missing key 'name' ({string.Join(", ", TestFunction.Names)})");
        var name = nameNode.Scalar();
        if (!TestFunction.Names.Contains(name)) throw nameNode.Error($"unknown function '{Printable.Escape(name)}'; known: {string.Join(", ", TestFunction.Names)}");
        int dimensions;
        if (TestFunction.FixedDimensions(name) is { } d)
        {
            if (fields.TryGetValue("dimensions", out var dn) && dn.Int(1) != d) throw dn.Error($"{name} has {d} dimensions");
            dimensions = d;
        }
        else
        {
            dimensions = fields.TryGetValue("dimensions", out var dn) ? dn.Int(2, 100) : throw node.Error($"{name} needs 'dimensions' (2 to 100)");
        }
        var noise = fields.TryGetValue("noise", out var nn) ? nn.Double(0, 1e6) : 0;
        var seconds = fields.TryGetValue("seconds", out var sn) ? sn.Double(0, 3600) : 0;
        return new FunctionSpec(name, dimensions, noise, seconds);
    }
}
