namespace LeeMl.Sweep.Cluster.Protocol;

/// <summary>Every message that crosses the network; bound to <see cref="SweepSerializer"/>.</summary>
public interface ISweepMessage;

// ---- client ↔ coordinator (through the gateway on any node) ----------------------------------

/// <summary>Launch a sweep; <paramref name="OutputDirectory"/> is on the coordinator's machine (default: beside its database).</summary>
public sealed record SubmitJob(string SpecText, string SpecFile, string? OutputDirectory) : ISweepMessage;

public sealed record JobAccepted(string JobId, int Trials, string OutputDirectory) : ISweepMessage;

public sealed record JobRejected(string Error) : ISweepMessage;

public sealed record GetStatus(string? JobId) : ISweepMessage;

public sealed record JobStatus(
    string JobId, string Name, string State, int Trials, int Done, int Running, int Failed, int Diverged,
    double BestValidationAccuracy, string OutputDirectory, double Seconds);

public sealed record NodeStatus(string Node, int Slots, int Busy);

public sealed record StatusReport(IReadOnlyList<JobStatus> Jobs, IReadOnlyList<NodeStatus> Nodes, string? Error) : ISweepMessage;

public sealed record CancelJob(string JobId) : ISweepMessage;

public sealed record JobCancelled(string JobId, bool Found) : ISweepMessage;

/// <summary>A page of a finished job's results.jsonl lines (sorted by key) and telemetry lines.</summary>
public sealed record GetResults(string JobId, int Offset) : ISweepMessage;

public sealed record ResultsPage(string JobId, int Offset, int Total, IReadOnlyList<string> Lines, IReadOnlyList<string> Telemetry, string? Error) : ISweepMessage;

// ---- worker ↔ coordinator --------------------------------------------------------------------

public sealed record RunningTrial(string JobId, string Key);

/// <summary>A worker's heartbeat: its slots and what it is training; the coordinator reconciles with it.</summary>
public sealed record WorkerStatus(string Node, int Slots, IReadOnlyList<RunningTrial> Running) : ISweepMessage;

/// <summary>
/// Train one trial. The spec text travels with a job's first trial to each worker (null after
/// that); the worker re-plans it once (planning is pure) and picks trials by key.
/// </summary>
public sealed record AssignTrial(string JobId, string? SpecText, string Key) : ISweepMessage;

public sealed record TrialProgress(string JobId, string Key, int Epoch, double ValidationAccuracy) : ISweepMessage;

public sealed record TrialFinished(string JobId, string Key, string Outcome, string ResultLine, string TelemetryLine, double ValidationAccuracy) : ISweepMessage;

/// <summary>A leaving worker gives its running trials back, so they restart elsewhere at once.</summary>
public sealed record HandBack(string Node, IReadOnlyList<RunningTrial> Trials) : ISweepMessage;

/// <summary>The coordinator took the handed-back trials.</summary>
public sealed record HandBackDone(int Trials) : ISweepMessage;

/// <summary>Stop every trial of a job (cancelled).</summary>
public sealed record CancelTrials(string JobId) : ISweepMessage;
