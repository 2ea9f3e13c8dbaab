using YamlDotNet.Core;

namespace LeeMl.Sweep.Experiments.Specs;

/// <summary>
/// YAML syntax errors in plain words, with line and column: the parser's messages name its own
/// states ("while scanning a plain scalar"), which say little to someone who wrote a spec.
/// </summary>
public static class YamlSyntax
{
    public static SpecException Error(string file, YamlException e, string text)
    {
        var message = (e.InnerException as YamlException ?? e).Message.TrimEnd('.');
        // A list or mapping left open: point at its opening bracket, not at the end of the file.
        if (message.Contains("flow sequence", StringComparison.Ordinal) || message.Contains("flow mapping", StringComparison.Ordinal))
            if (Unclosed(text) is { What: not null } open) return new SpecException($"{file}:{open.Line}:{open.Column}: syntax error: this {open.What} is never closed");
        var (line, column) = ((int)e.Start.Line, (int)e.Start.Column);
        return new SpecException($"{file}:{line}:{column}: syntax error: {Plain(message)}");
    }

    /// <summary>The parser gave up at the end of the text: an opening bracket or quote was never closed.</summary>
    public static SpecException Unfinished(string file, string text)
    {
        var (line, column, what) = Unclosed(text);
        return what is null
            ? new SpecException($"{file}:{text.Split('\n').Length}: syntax error: the file ends in the middle of a value")
            : new SpecException($"{file}:{line}:{column}: syntax error: this {what} is never closed");
    }

    private static string Plain(string m) => m switch
    {
        _ when m.Contains("found invalid mapping", StringComparison.Ordinal) || m.Contains("Mapping values are not allowed", StringComparison.OrdinalIgnoreCase) =>
            "a 'key: value' where a plain value was expected (check this line's indentation, or quote a value that contains ': ')",
        _ when m.Contains("flow sequence", StringComparison.Ordinal) => "a [ list ] is not closed properly: expected ',' or ']'",
        _ when m.Contains("flow mapping", StringComparison.Ordinal) => "a { mapping } is not closed properly: expected ',' or '}'",
        _ when m.Contains("quoted scalar", StringComparison.Ordinal) => "a quoted text is not closed (a quote is missing)",
        _ when m.Contains("tab", StringComparison.OrdinalIgnoreCase) => "a tab is used for indentation; YAML indents with spaces",
        _ when m.StartsWith("Duplicate key", StringComparison.Ordinal) => $"the key '{m["Duplicate key".Length..].Trim()}' is given twice",
        _ when m.Contains("block collection", StringComparison.Ordinal) => "this line does not continue the list above it (a missing '-', or a different indentation)",
        _ when m.Contains("block mapping", StringComparison.Ordinal) => "this line is indented differently from the keys around it",
        _ when m.Contains("alias", StringComparison.OrdinalIgnoreCase) => "an alias (*name) that no anchor (&name) defines",
        _ => m.StartsWith("While ", StringComparison.Ordinal) && m.IndexOf(", ", StringComparison.Ordinal) is var i and > 0 ? m[(i + 2)..] : m,
    };

    /// <summary>The innermost '[', '{' or quote still open at the end of the text, outside quotes and comments.</summary>
    private static (int Line, int Column, string? What) Unclosed(string text)
    {
        var open = new Stack<(int Line, int Column, char Ch)>();
        int line = 1, column = 0;
        char? quote = null;
        (int, int) quoteAt = (0, 0);
        var comment = false;
        var previous = '\n';
        foreach (var ch in text)
        {
            var before = previous;
            previous = ch;
            if (ch == '\n') { line++; column = 0; comment = false; continue; }
            column++;
            if (comment) continue;
            if (quote is { } q)
            {
                if (ch == q) quote = null;
                continue;
            }
            switch (ch)
            {
                case '#' when char.IsWhiteSpace(before): comment = true; break;
                case '"' or '\'': quote = ch; quoteAt = (line, column); break;
                case '[' or '{': open.Push((line, column, ch)); break;
                case ']' or '}' when open.Count > 0: open.Pop(); break;
            }
        }
        if (quote is not null) return (quoteAt.Item1, quoteAt.Item2, "quote");
        return open.TryPeek(out var top) ? (top.Line, top.Column, $"'{top.Ch}'") : (0, 0, null);
    }
}
