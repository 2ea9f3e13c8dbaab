namespace LeeMl.Sweep.Experiments.Programs;

/// <summary>
/// A trial's output as the store keeps it: its attempt, how many characters that attempt has
/// written in all (<see cref="Total"/>, what a follower asks to continue from), and the newest
/// <see cref="MaxChars"/> of them.
/// </summary>
public sealed record TrialLog(int Attempt, long Total, string Text)
{
    /// <summary>The most of a trial's output kept, per trial.</summary>
    public const int MaxChars = 1 << 20;

    /// <summary>
    /// The log after a piece of output arrives: <paramref name="text"/> was written from character
    /// <paramref name="offset"/> of attempt <paramref name="attempt"/>. A piece seen before changes
    /// nothing; a later attempt starts the log again; a gap (a piece that never arrived) is marked;
    /// the oldest lines leave beyond <see cref="MaxChars"/>.
    /// </summary>
    public static TrialLog Merge(TrialLog? stored, int attempt, long offset, string text)
    {
        if (stored is not null && attempt < stored.Attempt) return stored;
        if (stored is null || attempt > stored.Attempt) stored = new TrialLog(attempt, 0, "");
        var end = offset + text.Length;
        if (end <= stored.Total) return stored;   // already kept
        string added;
        if (offset >= stored.Total)
            added = offset > stored.Total ? $"… ({offset - stored.Total:N0} characters of output not received)\n{text}" : text;
        else
            added = text[(int)(stored.Total - offset)..];
        var kept = stored.Text + added;
        if (kept.Length > MaxChars)
        {
            var cut = kept.IndexOf('\n', kept.Length - MaxChars);
            kept = cut < 0 ? kept[^MaxChars..] : kept[(cut + 1)..];
        }
        return new TrialLog(attempt, end, kept);
    }
}
