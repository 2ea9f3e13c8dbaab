using System.Globalization;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>
/// Reads a command's arguments in order. Order matters for commands such as <c>trace</c>, where
/// <c>--param</c> belongs to the <c>--optimizer</c> before it, so this is a cursor, not a table.
/// </summary>
public sealed class ArgReader(IReadOnlyList<string> args)
{
    private int _position;

    public bool HasMore => _position < args.Count;

    public string Next() => args[_position++];

    /// <summary>The value after <paramref name="option"/>; a missing value is a usage error.</summary>
    public string Value(string option)
    {
        if (!HasMore || args[_position].StartsWith("--", StringComparison.Ordinal))
            throw new UsageException($"{option} needs a value");
        return Next();
    }

    public int Int(string option, int min = int.MinValue)
    {
        var text = Value(option);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min)
            throw new UsageException($"{option} = '{text}' must be a whole number{(min > int.MinValue ? $" >= {min}" : "")}");
        return v;
    }

    public double Double(string option)
    {
        var text = Value(option);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw new UsageException($"{option} = '{text}' must be a finite number");
        return v;
    }

    /// <summary><c>key=value</c> after <paramref name="option"/>.</summary>
    public KeyValuePair<string, string> Pair(string option)
    {
        var text = Value(option);
        var eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1)
            throw new UsageException($"{option} '{text}' must look like name=value");
        return KeyValuePair.Create(text[..eq], text[(eq + 1)..]);
    }

    public static bool IsHelp(string token) => token is "--help" or "-h" or "help";
}
