using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Cluster.Protocol;

// ---- to a job's entity (through the shard region) ---------------------------------------------

/// <summary>Starts the job's entity if it is not running (sent for every open job in the store: remember-entities backed by the store).</summary>
public sealed record WakeJob(string JobId) : IJobMessage;

/// <summary>A worker has <paramref name="Count"/> free places; forwarded by the dispatcher with the worker as sender.</summary>
public sealed record OfferSlots(string JobId, string Node, int Count) : IJobMessage
{
    /// <summary>What the worker can run, and its idle slots (see <see cref="RequestWork"/>).</summary>
    public bool Programs { get; init; }

    public int FreeGpus { get; init; }

    public int IdleSlots { get; init; }
}

/// <summary>A worker asks for the job's spec text and data manifest (once per job and node).</summary>
public sealed record GetJobSpec(string JobId) : IJobMessage;

/// <summary>Live progress of a running trial (throttled): the epoch reached, and that epoch's train and validation accuracy (a point of its live curve).</summary>
/// <summary>Output of a running program trial: <paramref name="Text"/> (whole lines), written from character <paramref name="Offset"/> of the attempt.</summary>
public sealed record TrialOutput(string JobId, long Index, int Attempt, long Offset, string Text) : IJobMessage;

public sealed record TrialProgress(string JobId, long Index, int Epoch, double TrainAccuracy, double ValidationAccuracy) : IJobMessage;

/// <summary>
/// A finished trial. The curve rides along when it is short; a long one was sent ahead in
/// <see cref="CurveChunk"/>s (<paramref name="ChunksAhead"/> of them), so no message grows with the epochs.
/// </summary>
public sealed record TrialFinished(string JobId, long Index, int Attempt, string Node, TrialResult Result, int ChunksAhead, double Seconds) : IJobMessage
{
    /// <summary>Under early stopping: the trial's score at each rung it reached (its curve may have gone ahead in chunks).</summary>
    public IReadOnlyList<double>? RungScores { get; init; }
}

/// <summary>Under early stopping: a trial reached rung <paramref name="Rung"/> (1-based) with <paramref name="Score"/> and waits, paused, for the decision.</summary>
public sealed record TrialRung(string JobId, long Index, int Attempt, string Node, int Rung, double Score) : IJobMessage;

/// <summary>One piece of a long curve, sent before its <see cref="TrialFinished"/> and acknowledged by <see cref="ChunkStored"/>.</summary>
public sealed record CurveChunk(string JobId, long Index, int Attempt, int Chunk, IReadOnlyList<EpochResult> Epochs) : IJobMessage;

/// <summary>An attempt failed for a reason of the node (data not available, cache not writable, out of memory, a crash).</summary>
public sealed record TrialFault(string JobId, long Index, int Attempt, string Node, string Error) : IJobMessage;

/// <summary>What a worker holds of this job (running, queued, finished but not yet acknowledged): the entity reconciles with it.</summary>
public sealed record WorkerHolds(string JobId, string Node, IReadOnlyList<HeldTrial> Trials) : IJobMessage;

public sealed record HeldTrial(long Index, int Attempt, bool Running);

/// <summary>A leaving worker gives its trials of this job back, so they restart elsewhere at once.</summary>
public sealed record HandBack(string JobId, string Node, IReadOnlyList<long> Indexes) : IJobMessage;

/// <summary>A client asks for the job's live status (answered with <see cref="JobView"/>).</summary>
public sealed record GetJobStatus(string JobId) : IJobMessage;

/// <summary>A client asks for the running trials' live curves (answered with <see cref="LiveTrials"/>, at most <paramref name="Max"/> trials, lowest index first).</summary>
public sealed record GetLiveTrials(string JobId, int Max) : IJobMessage;

/// <summary>The running trials of a job: where each runs and the points of its curve so far (thinned to a bounded number).</summary>
public sealed record LiveTrials(string JobId, IReadOnlyList<LiveTrial> Trials) : ISweepMessage;

/// <summary>One running trial: its key, node, the epoch reached of <paramref name="Epochs"/>, and its curve's points (epoch, train and validation accuracy).</summary>
public sealed record LiveTrial(string Key, string Node, int Epoch, int Epochs, IReadOnlyList<int> PointEpochs, IReadOnlyList<double> Train, IReadOnlyList<double> Validation);

/// <summary>A client stops the job (answered with <see cref="CancelReply"/>).</summary>
public sealed record CancelJob(string JobId) : IJobMessage;

/// <summary>What an operator may change about a job after submit.</summary>
public enum JobChange { Pause, PauseNow, Resume, Extend, Retry }

/// <summary>
/// An operator changes a job (answered with <see cref="ChangeReply"/>): pause, resume, retry what
/// failed (<paramref name="Note"/>: why), or extend it to the larger spec <paramref name="SpecText"/>
/// (checked in full by the node that took the request).
/// </summary>
public sealed record ChangeJob(string JobId, JobChange Change, string? SpecText = null, string? Note = null) : IJobMessage;

/// <summary>What became of a change: <paramref name="Problem"/> null when done, else why it was refused; <paramref name="Message"/> says what happened.</summary>
public sealed record ChangeReply(string JobId, string? Problem, string Message) : ISweepMessage;

// ---- from a job's entity ------------------------------------------------------------------------

public sealed record JobSpecText(string JobId, string SpecText, string DataManifest) : ISweepMessage;

/// <summary>Train these trials (an empty list: nothing to give now).</summary>
public sealed record AssignTrials(string JobId, IReadOnlyList<TrialTicket> Trials) : ISweepMessage
{
    /// <summary>How many trials the job's plan has: a worker whose plan of the job is of another size (the job was extended) fetches its spec again.</summary>
    public long PlanSize { get; init; } = -1;
}

/// <summary>A trial handed to a worker; under TPE with the values proposed for it (u ∈ [0, 1) per distribution, in draw order).</summary>
public sealed record TrialTicket(long Index, int Attempt)
{
    public IReadOnlyList<double>? Draws { get; init; }
}

/// <summary>These results are committed: the worker may forget them.</summary>
public sealed record ResultsStored(string JobId, IReadOnlyList<long> Indexes) : ISweepMessage;

public sealed record ChunkStored(string JobId, long Index, int Chunk) : ISweepMessage;

/// <summary>The trial goes on after rung <paramref name="Rung"/>, or stops there (its result is then its curve so far).</summary>
public sealed record RungDecision(string JobId, long Index, int Rung, bool Continue) : ISweepMessage;

/// <summary>Stop every trial of the job (cancelled, or over).</summary>
public sealed record CancelTrials(string JobId) : ISweepMessage;

public sealed record HandBackDone(string JobId, int Trials) : ISweepMessage;

public sealed record CancelReply(string JobId, CancelOutcome Outcome) : ISweepMessage;

public enum CancelOutcome { Cancelled, AlreadyOver, Unknown }
