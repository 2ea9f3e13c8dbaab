namespace LeeMl.Sweep.Experiments.Store;

/// <summary>
/// Where a job is in its life: accepted and not yet started by any coordinator, running,
/// writing its final report, and then one of three ends.
/// </summary>
public enum JobState { Queued, Running, Reporting, Done, Failed, Cancelled }

public static class JobStates
{
    public static bool IsOver(this JobState s) => s is JobState.Done or JobState.Failed or JobState.Cancelled;

    public static string Name(this JobState s) => s switch
    {
        JobState.Queued => "queued",
        JobState.Running => "running",
        JobState.Reporting => "reporting",
        JobState.Done => "done",
        JobState.Failed => "failed",
        JobState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, null),
    };

    public static JobState Parse(string text) => text switch
    {
        "queued" => JobState.Queued,
        "running" => JobState.Running,
        "reporting" => JobState.Reporting,
        "done" => JobState.Done,
        "failed" => JobState.Failed,
        "cancelled" => JobState.Cancelled,
        _ => throw new FormatException($"unknown job state '{text}' in the store"),
    };
}
