using System.CommandLine;
using System.Globalization;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>Small builders for the options several commands define the same way.</summary>
public static class Options
{
    public static Option<int> Slots() => WholeNumber("--slots", "trials this process trains at once (its cores by default)", Environment.ProcessorCount, min: 1, helpName: "N");

    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "a folder of named datasets laid out like the built-in one [default: $LEEML_DATA, else the copies built into the program]",
        HelpName = "DIR",
    };

    /// <summary>A switch; off unless given.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description + " [default: off]" };

    /// <summary>--insecure: allowed off loopback without TLS, and said at every start.</summary>
    public static Option<bool> Insecure() => Flag("--insecure", "allow addresses other than loopback without TLS: clear text, for a network you trust; the API still asks for the node's secret (a warning at every start)");

    public static Option<int> WholeNumber(string name, string description, int fallback, int min = int.MinValue, string helpName = "N") => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
        HelpName = helpName,
        CustomParser = r =>
        {
            var text = r.Tokens[0].Value;
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min) return v;
            r.AddError($"{name} = '{text}' must be a whole number{(min > int.MinValue ? $" >= {min}" : "")}");
            return fallback;
        },
    };

    public static Option<double> Number(string name, string description, double fallback, string helpName = "X") => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
        HelpName = helpName,
        CustomParser = r =>
        {
            var text = r.Tokens[0].Value;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) return v;
            r.AddError($"{name} = '{text}' must be a finite number");
            return fallback;
        },
    };

    /// <summary>A positional argument that never swallows a mistyped option (<c>--otu</c> is an unknown option, not a file name).</summary>
    public static Argument<T> Positional<T>(string name, string description, ArgumentArity arity)
    {
        var argument = new Argument<T>(name) { Description = description, Arity = arity };
        argument.Validators.Add(r =>
        {
            foreach (var t in r.Tokens)
                if (t.Value.Length > 1 && t.Value.StartsWith('-'))
                    r.AddError($"unknown option '{t.Value}'");
        });
        return argument;
    }

    /// <summary>
    /// A custom parser from a checking function: a <see cref="UsageException"/> it throws becomes
    /// the parse error (one line, exit 2) instead of escaping the parser.
    /// </summary>
    public static Func<System.CommandLine.Parsing.ArgumentResult, T> Checked<T>(Func<string, T> parse, T fallback) => r =>
    {
        try
        {
            return parse(r.Tokens[0].Value);
        }
        catch (UsageException e)
        {
            r.AddError(e.Message);
            return fallback;
        }
    };

    /// <summary>Pairs of <c>KEY=VALUE</c>; a malformed one is a usage error naming the option.</summary>
    public static KeyValuePair<string, string> Pair(string option, string text)
    {
        var eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1)
            throw new UsageException($"{option} '{text}' must look like name=value");
        return KeyValuePair.Create(text[..eq], text[(eq + 1)..]);
    }
}
