using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Store;

/// <summary>A job as the store keeps it: its spec text (every node re-plans from it), its data manifest and its counters.</summary>
public sealed record StoredJob(
    string Id, string Name, string SpecText, string DataManifest, JobState State, long Trials,
    JobCounts Counts, DateTimeOffset Created, DateTimeOffset? Started, DateTimeOffset? Finished, long OwnerEpoch, string? OwnerNode);

/// <summary>How many trials have a committed result, and how they ended; the best validation accuracy among them.</summary>
public sealed record JobCounts(long Done, long Failed, long Diverged, long Stopped, double BestValidation)
{
    public static readonly JobCounts None = new(0, 0, 0, 0, double.NaN);

    public JobCounts Add(TrialOutcome outcome, double validation) => new(
        Done + 1,
        Failed + (outcome == TrialOutcome.Failed ? 1 : 0),
        Diverged + (outcome == TrialOutcome.Diverged ? 1 : 0),
        Stopped + (outcome == TrialOutcome.Stopped ? 1 : 0),
        double.IsFinite(validation) && !(validation <= BestValidation) ? validation : BestValidation);
}

/// <summary>A new job to store (state queued).</summary>
public sealed record NewJob(string Id, string Name, string SpecText, string DataManifest, long Trials)
{
    /// <summary>
    /// Results taken over from earlier jobs (a warm start): stored with the job in its one
    /// transaction, so that no coordinator ever finds the job without them and trains them again.
    /// Read once, a batch at a time, so that a lazy sequence holds only one batch's rows at once.
    /// </summary>
    public IEnumerable<ResultWrite> TakenOver { get; init; } = [];
}

/// <summary>
/// A coordinator's claim on a job: the owner epoch it must present with every write (a fence),
/// and the job as it stands.
/// </summary>
public sealed record JobClaim(long Epoch, StoredJob Job);

/// <summary>One finished trial to commit: its canonical summary, its curve (chunks, unless sent ahead) and its telemetry.</summary>
public sealed record ResultWrite(long Index, TrialResult Result, string Summary, IReadOnlyList<string>? Chunks, string Node, double Seconds, int Attempt);

/// <summary>A node fault of one attempt, recorded so that attempts are counted across coordinator restarts.</summary>
public sealed record FaultWrite(long Index, int Attempt, string Node, string Error)
{
    /// <summary>How a retry is marked among a trial's faults: its attempts count afresh after it.</summary>
    public const string RetryMark = "retried: ";

    public bool IsRetryMark => Error.StartsWith(RetryMark, StringComparison.Ordinal);
}

/// <summary>What a group commit did: fenced (another incarnation owns the job; nothing written), or which results are new.</summary>
public sealed record CommitOutcome(bool Fenced, IReadOnlyList<long> Inserted, JobCounts Counts);

/// <summary>A stored result in key order, with the curve chunks when asked for.</summary>
public sealed record StoredResult(long Index, string Key, TrialOutcome Outcome, string Summary, IReadOnlyList<string> Chunks, string Node, double Seconds, int Attempt)
{
    public string Line => ResultJson.Compose(Summary, Chunks);
}

/// <summary>A file shipped with jobs, addressed by the SHA-256 of its bytes.</summary>
public sealed record BlobInfo(string Sha256, long Size, int Chunks, bool Complete);
