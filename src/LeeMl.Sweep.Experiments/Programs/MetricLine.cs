using System.Globalization;

namespace LeeMl.Sweep.Experiments.Programs;

/// <summary>
/// The lines of a program's output that report metrics, in three formats; every other line is
/// its log. <c>@leeml {"validation_accuracy": 0.91}</c> (this tool's own) and Syne Tune's
/// <c>[tune-metric]: {...}</c> are one step each; Katib's <c>name=value</c> lines (a line of
/// nothing but such pairs) add to the current step (<see cref="StepAssembler"/>). Numbers may be
/// NaN or infinite, in the spellings Python and C# print (<c>nan</c>, <c>NaN</c>, <c>inf</c>,
/// <c>Infinity</c>, <c>-∞</c>); JSON values that are not numbers are ignored.
/// </summary>
public static class MetricLine
{
    public const string Marker = "@leeml";
    public const string SyneTuneMarker = "[tune-metric]:";

    /// <summary>Metric and parameter names: letters, digits, '_', '-', '.', '/' (at most 128).</summary>
    public static bool IsName(string s) => s.Length is > 0 and <= 128 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/');

    /// <summary>What a line reports: its pairs and whether it is a whole step by itself; null for a log line.</summary>
    public static (List<KeyValuePair<string, double>> Pairs, bool WholeStep)? Parse(string line)
    {
        var text = line.AsSpan().Trim();
        if (text.StartsWith(Marker, StringComparison.Ordinal) && text.Length > Marker.Length && char.IsWhiteSpace(text[Marker.Length]))
            return FlatJson(text[(Marker.Length + 1)..]) is { } a ? (a, true) : null;
        if (text.StartsWith(SyneTuneMarker, StringComparison.Ordinal))
            return FlatJson(text[SyneTuneMarker.Length..]) is { } b ? (b, true) : null;
        return Pairs(text) is { } c ? (c, false) : null;
    }

    /// <summary>A line of nothing but <c>name=value</c> pairs (separated by spaces, commas or semicolons).</summary>
    private static List<KeyValuePair<string, double>>? Pairs(ReadOnlySpan<char> text)
    {
        var pairs = new List<KeyValuePair<string, double>>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i]) || text[i] is ',' or ';')) i++;
            if (i == text.Length) return pairs.Count > 0 ? pairs : null;
            var start = i;
            while (i < text.Length && text[i] != '=' && !char.IsWhiteSpace(text[i])) i++;
            var name = text[start..i].ToString();
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i == text.Length || text[i] != '=' || !IsName(name)) return null;
            i++;
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not (',' or ';')) i++;
            if (Number(text[start..i]) is not { } value) return null;
            pairs.Add(new(name, value));
        }
    }

    public static double? Number(ReadOnlySpan<char> token)
    {
        if (token.Length == 0) return null;
        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return v;
        var negative = token[0] == '-';
        var body = token[0] is '-' or '+' ? token[1..] : token;
        if (body.Equals("nan", StringComparison.OrdinalIgnoreCase)) return double.NaN;
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase) || body.SequenceEqual("∞"))
            return negative ? double.NegativeInfinity : double.PositiveInfinity;
        return null;
    }

    /// <summary>One JSON object of plain values (what <c>json.dumps</c> of a dict of numbers prints, NaN and Infinity included).</summary>
    private static List<KeyValuePair<string, double>>? FlatJson(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.Length < 2 || text[0] != '{' || text[^1] != '}') return null;
        var pairs = new List<KeyValuePair<string, double>>();
        var i = 1;
        Skip(text, ref i);
        if (i < text.Length - 1 && text[i] == '}') return null;
        while (true)
        {
            Skip(text, ref i);
            if (String(text, ref i) is not { } name) return null;
            Skip(text, ref i);
            if (i >= text.Length || text[i] != ':') return null;
            i++;
            Skip(text, ref i);
            if (i >= text.Length) return null;
            if (text[i] == '"')
            {
                if (String(text, ref i) is null) return null;   // a text value: not a metric
            }
            else
            {
                var start = i;
                while (i < text.Length && text[i] is not (',' or '}') && !char.IsWhiteSpace(text[i])) i++;
                var token = text[start..i];
                if (token.SequenceEqual("null")) pairs.Add(new(name, double.NaN));
                else if (token.SequenceEqual("true") || token.SequenceEqual("false")) { }
                else if (Number(token) is { } v) pairs.Add(new(name, v));
                else return null;
            }
            Skip(text, ref i);
            if (i >= text.Length) return null;
            if (text[i] == '}') return i == text.Length - 1 && pairs.All(p => IsName(p.Key)) ? pairs : null;
            if (text[i] != ',') return null;
            i++;
        }
    }

    private static void Skip(ReadOnlySpan<char> text, ref int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
    }

    private static string? String(ReadOnlySpan<char> text, ref int i)
    {
        if (i >= text.Length || text[i] != '"') return null;
        var sb = new System.Text.StringBuilder();
        for (i++; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"') { i++; return sb.ToString(); }
            if (c == '\\')
            {
                if (++i >= text.Length) return null;
                c = text[i] switch { 'n' => '\n', 't' => '\t', '"' => '"', '\\' => '\\', '/' => '/', var o => o };
            }
            sb.Append(c);
        }
        return null;
    }
}

/// <summary>
/// Turns reported metric lines into steps: a JSON line is a step; Katib's pairs gather into one
/// until the objective is among them (or a name comes again), and what is gathered at the end of
/// the output is the last step. Steps are counted as they come.
/// </summary>
public sealed class StepAssembler(string objective)
{
    private SortedDictionary<string, double>? _pending;

    /// <summary>Feeds one line; the steps it completes go to <paramref name="steps"/>. False for a log line.</summary>
    public bool Feed(string line, List<IReadOnlyDictionary<string, double>> steps)
    {
        if (MetricLine.Parse(line) is not { } parsed) return false;
        if (parsed.WholeStep)
        {
            Flush(steps);
            var step = new SortedDictionary<string, double>(StringComparer.Ordinal);
            foreach (var (k, v) in parsed.Pairs) step[k] = v;
            steps.Add(step);
            return true;
        }
        foreach (var (k, v) in parsed.Pairs)
        {
            if (_pending is not null && _pending.ContainsKey(k)) Flush(steps);
            (_pending ??= new(StringComparer.Ordinal))[k] = v;
        }
        if (_pending!.ContainsKey(objective)) Flush(steps);
        return true;
    }

    /// <summary>The output ended: what was gathered is a step.</summary>
    public void Flush(List<IReadOnlyDictionary<string, double>> steps)
    {
        if (_pending is { Count: > 0 }) steps.Add(_pending);
        _pending = null;
    }
}
