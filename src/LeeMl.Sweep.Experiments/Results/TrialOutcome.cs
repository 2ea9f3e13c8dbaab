namespace LeeMl.Sweep.Experiments.Results;

/// <summary>
/// How a trial ended — a property of the trial itself, the same wherever it ran: trained to the
/// last epoch, diverged (NaN or infinite loss), failed (it cannot run on this data, or every
/// attempt hit a node fault), or stopped early by the search at a rung.
/// </summary>
public enum TrialOutcome { Completed, Diverged, Failed, Stopped }

public static class TrialOutcomes
{
    /// <summary>The outcome as results.jsonl, the CSV files and the store write it.</summary>
    public static string Name(this TrialOutcome o) => o switch
    {
        TrialOutcome.Completed => "completed",
        TrialOutcome.Diverged => "diverged",
        TrialOutcome.Failed => "failed",
        TrialOutcome.Stopped => "stopped",
        _ => throw new ArgumentOutOfRangeException(nameof(o), o, null),
    };

    public static TrialOutcome Parse(string s) => TryParse(s, out var o) ? o : throw new FormatException($"unknown trial outcome '{s}'");

    public static bool TryParse(string s, out TrialOutcome outcome)
    {
        TrialOutcome? o = s switch
        {
            "completed" => TrialOutcome.Completed,
            "diverged" => TrialOutcome.Diverged,
            "failed" => TrialOutcome.Failed,
            "stopped" => TrialOutcome.Stopped,
            _ => null,
        };
        outcome = o ?? default;
        return o is not null;
    }
}
