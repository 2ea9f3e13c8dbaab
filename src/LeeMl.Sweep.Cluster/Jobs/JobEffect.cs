using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Jobs;

/// <summary>What the job's state machine decided; its actor carries it out (tells, store writes, reports).</summary>
public abstract record JobEffect
{
    /// <summary>Give these trials to the worker on <paramref name="Node"/> (an empty list: nothing now).</summary>
    public sealed record Assign(string Node, IReadOnlyList<TrialTicket> Trials) : JobEffect;

    /// <summary>These results are committed: tell the worker on <paramref name="Node"/> it may forget them.</summary>
    public sealed record Ack(string Node, IReadOnlyList<long> Indexes) : JobEffect;

    /// <summary>Write this batch in one transaction; answer with <see cref="JobMachine.Committed"/> or <see cref="JobMachine.CommitFailed"/>.</summary>
    public sealed record Commit(CommitBatch Batch) : JobEffect;

    /// <summary>Stop the job's trials on these nodes.</summary>
    public sealed record CancelOn(IReadOnlyList<string> Nodes) : JobEffect;

    /// <summary>Store the job's new state.</summary>
    public sealed record PersistState(JobState State) : JobEffect;

    /// <summary>Render the job's reports from the store; a final one is followed by <see cref="JobMachine.FinalReportWritten"/>.</summary>
    public sealed record Report(bool Final) : JobEffect;

    /// <summary>Another incarnation of this job owns it now: stop without writing anything more.</summary>
    public sealed record Fenced : JobEffect;

    /// <summary>Early stopping decided about a trial that waits, paused, on <paramref name="Node"/>.</summary>
    public sealed record Decide(string Node, long Index, int Rung, bool Continue) : JobEffect;

    /// <summary>A message that cannot be about this job's plan (a result under another trial's key) was dropped.</summary>
    public sealed record Refused(string Node, string Why) : JobEffect;
}

/// <summary>A group commit: every result and fault that arrived since the last one.</summary>
public sealed record CommitBatch(long Sequence, IReadOnlyList<PendingResult> Results, IReadOnlyList<FaultWrite> Faults);

/// <summary>A finished trial waiting to be committed.</summary>
public sealed record PendingResult(long Index, TrialResult Result, bool ChunksAhead, string Node, double Seconds, int Attempt);

/// <summary>How a job treats attempts and nodes; defaults as documented in docs/design.md.</summary>
public sealed record JobSettings
{
    /// <summary>Attempts per trial before a run of node faults makes it failed (the spec's max_attempts).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>An assigned trial that the worker's heartbeats do not list for this long was lost on the way: assign it again.</summary>
    public TimeSpan LostAfter { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>Consecutive node faults after which a node gets no more trials of the job for a while.</summary>
    public int QuarantineAfter { get; init; } = 3;

    /// <summary>The first quarantine; each further one of the same node lasts twice as long, up to <see cref="MaxQuarantine"/>.</summary>
    public TimeSpan Quarantine { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxQuarantine { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>After a fault, the trial waits this long for another node before the same node may try it again.</summary>
    public TimeSpan RetryElsewhereFor { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>A recovered job first waits for the workers' heartbeats, so trials still running elsewhere are adopted, not started twice.</summary>
    public TimeSpan AdoptGrace { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a running job's reports are rewritten, at most.</summary>
    public TimeSpan ReportEvery { get; init; } = TimeSpan.FromSeconds(5);
}
