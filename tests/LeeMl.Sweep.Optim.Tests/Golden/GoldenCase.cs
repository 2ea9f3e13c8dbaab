using System.Text.Json;
using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Problems;
using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Optim.Tests.Golden;

/// <summary>
/// Loads the golden vector files (format: shared/spec/optimizers.md §7) from the folder named by
/// LEEML_GOLDEN_DIR, default tests/Fixtures/golden.
/// </summary>
internal static class GoldenFiles
{
    public static string Directory => RepoPaths.FromEnvironment("LEEML_GOLDEN_DIR", Path.Combine(RepoPaths.Fixtures, "golden"));

    /// <summary>Every (file, case id) pair. A missing or empty folder yields one case that fails.</summary>
    public static IEnumerable<object[]> Cases()
    {
        var dir = Directory;
        var files = System.IO.Directory.Exists(dir) ? System.IO.Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal).ToArray() : [];
        if (files.Length == 0)
        {
            yield return ["(no golden files)", dir];
            yield break;
        }
        foreach (var file in files)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
                yield return [Path.GetFileName(file), c.GetProperty("id").GetString()!];
        }
    }

    public static (JsonElement Root, JsonElement Case) Load(string file, string id)
    {
        var path = Path.Combine(Directory, file);
        if (!File.Exists(path))
            throw new FileNotFoundException($"no golden vector files in {Directory} (set LEEML_GOLDEN_DIR)", path);
        var root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        foreach (var c in root.GetProperty("cases").EnumerateArray())
            if (c.GetProperty("id").GetString() == id)
                return (root, c);
        throw new KeyNotFoundException($"case {id} not in {path}");
    }

    /// <summary>{"optimizer"|"schedule": name, "params": {...}} or a name and its params → a spec.</summary>
    public static ComponentSpec Spec(string name, JsonElement parameters)
    {
        var spec = new ComponentSpec(name);
        foreach (var p in parameters.EnumerateObject())
            spec = spec.With(p.Name, Value(p.Value));
        return spec;
    }

    private static ParamValue Value(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => new ParamValue.Number(v.GetDouble()),
        JsonValueKind.String => new ParamValue.Text(v.GetString()!),
        JsonValueKind.True => new ParamValue.Flag(true),
        JsonValueKind.False => new ParamValue.Flag(false),
        JsonValueKind.Object => new ParamValue.Component(Spec(
            (v.TryGetProperty("optimizer", out var o) ? o : v.GetProperty("schedule")).GetString()!,
            v.GetProperty("params"))),
        _ => throw new InvalidDataException($"unsupported parameter value {v}"),
    };

    /// <summary>The problem a case names; the logistic data come from the file itself.</summary>
    public static ITestProblem Problem(JsonElement root, string name)
    {
        if (name != "logistic") return TestProblems.Surface(name);
        var data = root.GetProperty("problems").GetProperty("logistic");
        var x = data.GetProperty("X").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        var y = data.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        return new LogisticProblem(x, y);
    }

    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
