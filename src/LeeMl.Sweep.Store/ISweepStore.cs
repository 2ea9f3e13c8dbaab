using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Jobs;
namespace LeeMl.Sweep.Store;

/// <summary>
/// Where jobs, results and shipped data live: an SQLite file (one coordinator) or a PostgreSQL
/// database (several). It is four stores in one, by concern, and each part of the program asks for
/// the one it needs. All calls are safe from any thread.
/// </summary>
public interface ISweepStore : IJobStore, IResultStore, IBlobStore, ITokenStore, ILogStore, IAsyncDisposable
{
    /// <summary>The store's identity (created with its schema) and a description without secrets.</summary>
    StoreIdentity Identity { get; }
}

/// <summary>
/// Jobs and their life: every write of a job's state presents the owner epoch of its coordinator,
/// so that two incarnations of one job never both write.
/// </summary>
public interface IJobStore
{
    /// <summary>Stores a new job, queued, with the results it takes over from earlier jobs (all or nothing).</summary>
    Task CreateJob(NewJob job, CancellationToken cancel = default);

    Task<StoredJob?> GetJob(string id, CancellationToken cancel = default);

    /// <summary>Jobs, newest first.</summary>
    Task<IReadOnlyList<StoredJob>> ListJobs(int limit, int offset = 0, CancellationToken cancel = default);

    /// <summary>How many jobs the store holds in each state (states without jobs left out).</summary>
    Task<IReadOnlyDictionary<JobState, int>> CountJobs(CancellationToken cancel = default);

    /// <summary>Jobs not yet over (queued, running, reporting): those a coordinator must be running.</summary>
    Task<IReadOnlyList<string>> OpenJobIds(CancellationToken cancel = default);

    /// <summary>Takes the job over: bumps its owner epoch (fencing any older incarnation) and starts it if queued.</summary>
    Task<JobClaim?> ClaimJob(string id, string node, CancellationToken cancel = default);

    /// <summary>Sets the job's state, if <paramref name="epoch"/> still owns it; false when fenced.</summary>
    Task<bool> SetState(string jobId, long epoch, JobState state, CancellationToken cancel = default);

    /// <summary>
    /// Gives the job a larger spec of <paramref name="trials"/> trials, in one transaction: every row
    /// of a trial moves to its index in the new plan (<paramref name="newIndexOf"/>), and a finished
    /// job runs again (a paused one stays paused). False when fenced.
    /// </summary>
    Task<bool> ExtendJob(string jobId, long epoch, string specText, long trials, Func<long, long> newIndexOf, string note, CancellationToken cancel = default);

    /// <summary>
    /// Takes the failed trials' results back, so that they run again: each failed attempt stays among
    /// the trial's faults (its telemetry), followed by a mark of the retry. Returns how many; null when fenced.
    /// </summary>
    Task<long?> RetryFailed(string jobId, long epoch, string note, CancellationToken cancel = default);

    /// <summary>Records what happened to a job (paused, resumed, extended, retried): its history.</summary>
    Task AddEvent(string jobId, string text, CancellationToken cancel = default);

    /// <summary>The job's history, oldest first.</summary>
    Task<IReadOnlyList<JobEvent>> Events(string jobId, int limit = 100, CancellationToken cancel = default);
}

/// <summary>Program trials' output: the newest part of each trial's, as its worker sends it.</summary>
public interface ILogStore
{
    /// <summary>Adds output of trial <paramref name="index"/> (named <paramref name="key"/>): <paramref name="text"/>, written from character <paramref name="offset"/> of attempt <paramref name="attempt"/>.</summary>
    Task AppendLog(string jobId, long index, string key, int attempt, long offset, string text, CancellationToken cancel = default);

    /// <summary>A trial's kept output, or null when it has none.</summary>
    Task<Experiments.Programs.TrialLog?> Log(string jobId, string key, CancellationToken cancel = default);
}

/// <summary>Trials' results, their curves and the node faults on the way: a result counts once its group commit returns.</summary>
public interface IResultStore
{
    /// <summary>Commits finished trials and node faults in one transaction, if <paramref name="epoch"/> still owns the job.</summary>
    Task<CommitOutcome> Commit(string jobId, long epoch, IReadOnlyList<ResultWrite> results, IReadOnlyList<FaultWrite> faults, CancellationToken cancel = default);

    /// <summary>Stores one chunk of a long curve ahead of its result (idempotent).</summary>
    Task StoreChunk(string jobId, long index, int chunk, string epochs, CancellationToken cancel = default);

    /// <summary>The trial indexes with a committed result, and how they ended.</summary>
    IAsyncEnumerable<(long Index, TrialOutcome Outcome, double Seconds)> Done(string jobId, CancellationToken cancel = default);

    /// <summary>Node faults so far, per trial: how many attempts each has used.</summary>
    IAsyncEnumerable<FaultWrite> Faults(string jobId, CancellationToken cancel = default);

    /// <summary>Results in key order (after <paramref name="afterKey"/> when given), streamed from a cursor.</summary>
    IAsyncEnumerable<StoredResult> Results(string jobId, bool withCurves, string? afterKey = null, int limit = int.MaxValue, CancellationToken cancel = default);

    /// <summary>One trial's result with its curve, or null when it has none yet.</summary>
    Task<StoredResult?> Result(string jobId, string key, CancellationToken cancel = default);

    /// <summary>The most frequent error messages of the job's failed trials and node faults.</summary>
    Task<IReadOnlyList<(string Error, long Count)>> Errors(string jobId, int limit, CancellationToken cancel = default);
}

/// <summary>Data files shipped with jobs, by SHA-256, in chunks.</summary>
public interface IBlobStore
{
    Task<BlobInfo?> GetBlob(string sha256, CancellationToken cancel = default);

    /// <summary>
    /// Stores a blob whose bytes the caller has checked against <paramref name="sha256"/>: its chunks
    /// and its row in one transaction, so no reader sees part of it; a blob stored before stays as it is.
    /// </summary>
    Task PutBlob(string sha256, long size, IAsyncEnumerable<ReadOnlyMemory<byte>> chunks, CancellationToken cancel = default);

    Task<byte[]?> GetBlobChunk(string sha256, int chunk, CancellationToken cancel = default);
}

/// <summary>Access tokens revoked before they expire.</summary>
public interface ITokenStore
{
    /// <summary>Records that the access token <paramref name="id"/> is void until it would have expired (idempotent).</summary>
    Task RevokeToken(string id, string name, DateTimeOffset expires, CancellationToken cancel = default);

    /// <summary>The revoked access tokens that have not expired yet, the latest revoked first.</summary>
    Task<IReadOnlyList<RevokedTokenRow>> RevokedTokens(CancellationToken cancel = default);
}

/// <summary>One entry of a job's history.</summary>
public sealed record JobEvent(DateTimeOffset At, string Text);

/// <summary>A revoked access token: its id, whom it named ("" when revoked by id alone), until when it is kept, and when it was revoked.</summary>
public sealed record RevokedTokenRow(string Id, string Name, DateTimeOffset KeptUntil, DateTimeOffset Revoked);

/// <summary>Which store this is: <see cref="Id"/> is made when its schema is created, so two stores never share one.</summary>
public sealed record StoreIdentity(string Id, string Description)
{
    public override string ToString() => $"{Description} (store {Id[..8]})";
}
