using System.Text;
using System.Text.Json;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Experiments.Programs;

/// <summary>
/// A trial's parameters in the command, as W&amp;B's agent puts them: <c>${args}</c> (a word
/// <c>--name=value</c> per parameter), <c>${args_no_hyphens}</c> (<c>name=value</c>),
/// <c>${args_json}</c> (one JSON word) and <c>${args_json_file}</c> (the path of a JSON file in
/// the trial's folder). The first two stand alone as words; the JSON ones may sit inside a word.
/// </summary>
public static class CommandMacros
{
    public const string Args = "${args}";
    public const string ArgsNoHyphens = "${args_no_hyphens}";
    public const string ArgsJson = "${args_json}";
    public const string ArgsJsonFile = "${args_json_file}";

    /// <summary>Where <c>${args_json_file}</c> is written, in the trial's folder.</summary>
    public const string ParamsFile = ".leeml-params.json";

    public static readonly IReadOnlyList<string> Names = [Args, ArgsNoHyphens, ArgsJson, ArgsJsonFile];

    /// <summary>The first macro-like text of a command that is not one of <see cref="Names"/> (or a whole-word macro used inside a word).</summary>
    public static string? Unknown(IEnumerable<string> command)
    {
        foreach (var word in command)
        {
            for (var at = word.IndexOf("${", StringComparison.Ordinal); at >= 0; at = word.IndexOf("${", at + 2, StringComparison.Ordinal))
            {
                var end = word.IndexOf('}', at);
                var macro = end < 0 ? word[at..] : word[at..(end + 1)];
                if (!Names.Contains(macro)) return macro;
                if (macro is Args or ArgsNoHyphens && word != macro) return $"{macro} inside '{word}' (it stands alone as a word)";
            }
        }
        return null;
    }

    /// <summary>The command with the trial's parameters in place.</summary>
    public static IReadOnlyList<string> Expand(IReadOnlyList<string> command, ComponentSpec parameters, string paramsFile)
    {
        var words = new List<string>();
        var json = Json(parameters);
        foreach (var word in command)
        {
            if (word == Args) words.AddRange(parameters.Params.Select(p => $"--{p.Key}={p.Value}"));
            else if (word == ArgsNoHyphens) words.AddRange(parameters.Params.Select(p => $"{p.Key}={p.Value}"));
            else words.Add(word.Replace(ArgsJsonFile, paramsFile, StringComparison.Ordinal).Replace(ArgsJson, json, StringComparison.Ordinal));
        }
        return words;
    }

    /// <summary>The parameters as one JSON object: numbers as numbers, true/false as booleans, text as strings, in name order.</summary>
    public static string Json(ComponentSpec parameters)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var (name, value) in parameters.Params)
            {
                switch (value)
                {
                    case ParamValue.Number n: w.WriteNumber(name, n.Value); break;
                    case ParamValue.Flag f: w.WriteBoolean(name, f.Value); break;
                    default: w.WriteString(name, value.ToString()); break;
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
