namespace LeeMl.Sweep.Experiments.Jobs;

/// <summary>
/// Where a job is in its life: accepted and not yet started by any coordinator, running,
/// writing its final report, and then one of three ends. A paused job (an operator's pause) lets
/// its running trials end and dispatches nothing until it is resumed.
/// </summary>
public enum JobState { Queued, Running, Reporting, Done, Failed, Cancelled, Paused }

/// <summary>
/// How far the job is: the report says it when it is written half-way. <paramref name="State"/> is
/// null where only a folder of results is at hand, which does not say what became of its job.
/// </summary>
public sealed record JobProgress(int Planned, int Done, int Running, JobState? State)
{
    /// <summary>A search that learns (TPE): slot-seconds free slots waited for a proposal, and the mean time one took to compute (null otherwise, and for a folder alone).</summary>
    public (double WaitSeconds, double MeanProposalSeconds, long Proposals)? Proposals { get; init; }

    /// <summary>Every trial has its result: the job ended (failed trials included), or a folder holds them all.</summary>
    public bool IsComplete => State is JobState.Done or JobState.Failed || (State is null && Planned > 0 && Done >= Planned);
}

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
        JobState.Paused => "paused",
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
        "paused" => JobState.Paused,
        _ => throw new FormatException($"unknown job state '{text}' in the store"),
    };
}
