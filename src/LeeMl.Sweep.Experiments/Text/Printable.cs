using System.Text;

namespace LeeMl.Sweep.Experiments.Text;

/// <summary>
/// Text from outside (a spec, a file name, a message from the network) made safe to print: control
/// characters become visible escapes, so no input can colour, move or clear a terminal.
/// </summary>
public static class Printable
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var clean = true;
        foreach (var c in text)
            if (IsControl(c)) { clean = false; break; }
        if (clean) return text;
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
            if (IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append(c);
        return sb.ToString();
    }

    /// <summary>C0 and C1 controls (ESC, BEL, CR, …) and the bidirectional overrides; line breaks count too: one message is one line.</summary>
    private static bool IsControl(char c) => char.IsControl(c) || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069';
}
