using LeeMl.Sweep.Experiments.Results;
using System.Collections.Frozen;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Protocol;

/// <summary>
/// What every message from the network must satisfy before any actor sees it: no nulls where a
/// value is needed, lengths (ids, node names, texts, lists) and ranges (indexes, counts). The
/// serializer refuses a message that fails, so no handler ever meets a null id or a negative index.
/// </summary>
public static class MessageChecks
{
    public const int MaxNodeLength = 300;
    public const int MaxErrorLength = 10_000;
    public const int MaxList = 100_000;
    public const int MaxAttempt = 1000;
    public const int MaxRungs = 1000;
    public const int MaxLiveTrials = 256;
    public const int MaxOutputChars = 256 * 1024;

    /// <summary>
    /// Null when <paramref name="message"/> is well formed; else what is wrong with it. A kind of
    /// message without a check of its own here is refused: the boundary fails closed.
    /// </summary>
    public static string? Problem(ISweepMessage message)
    {
        if (message is IJobMessage { JobId: var id } && !JobIds.IsValid(id)) return $"the job id is {Describe(id)}";
        return Checks.TryGetValue(message.GetType(), out var check) ? check(message) : $"a kind of message with no check of its own ({message.GetType().Name})";
    }

    /// <summary>The kinds of message that have a check here.</summary>
    public static IReadOnlyCollection<Type> Checked => Checks.Keys;

    private static readonly FrozenDictionary<Type, Func<ISweepMessage, string?>> Checks = new (Type, Func<ISweepMessage, string?>)[]
    {
        Check<WakeJob>(_ => null),
        Check<GetJobSpec>(_ => null),
        Check<GetJobStatus>(_ => null),
        Check<CancelJob>(_ => null),
        Check<ChangeJob>(m => !Enum.IsDefined(m.Change) ? "an unknown change"
            : m.Change == JobChange.Extend && m.SpecText is null ? "an extension without a spec"
            : (m.SpecText is null ? null : Text(m.SpecText, Experiments.Specs.SpecLimits.MaxBytes, "spec")) ?? (m.Note is null ? null : Text(m.Note, MaxErrorLength, "note"))),
        Check<ChangeReply>(m => JobIds.IsValid(m.JobId) ? Text(m.Message, MaxErrorLength, "message") ?? (m.Problem is null ? null : Text(m.Problem, MaxErrorLength, "problem")) : $"the job id is {Describe(m.JobId)}"),
        Check<OfferSlots>(m => Node(m.Node) ?? Range(m.Count, 0, MaxList, "count") ?? Range(m.FreeGpus, 0, 4096, "free GPUs") ?? Range(m.IdleSlots, 0, 4096, "idle slots")),
        Check<TrialOutput>(m => Index(m.Index) ?? Attempt(m.Attempt) ?? (m.Offset < 0 ? "a negative offset" : null) ?? Text(m.Text, MaxOutputChars, "output")),
        Check<TrialProgress>(m => Index(m.Index) ?? Range(m.Epoch, 0, int.MaxValue, "epoch")),
        Check<GetLiveTrials>(m => Range(m.Max, 0, MaxLiveTrials, "max")),
        Check<LiveTrials>(m => JobIds.IsValid(m.JobId) ? List(m.Trials, "trials") ?? m.Trials.Select(LiveTrial).FirstOrDefault(p => p is not null) : $"the job id is {Describe(m.JobId)}"),
        Check<TrialFinished>(m => Node(m.Node) ?? Index(m.Index) ?? Attempt(m.Attempt) ?? Range(m.ChunksAhead, 0, MaxList, "chunks") ?? Seconds(m.Seconds) ?? Result(m.Result)
            ?? (m.RungScores is { Count: > MaxRungs } ? "too many rung scores" : null)),
        Check<TrialRung>(m => Node(m.Node) ?? Index(m.Index) ?? Attempt(m.Attempt) ?? Range(m.Rung, 1, MaxRungs, "rung")),
        Check<RungDecision>(m => JobIds.IsValid(m.JobId) ? Index(m.Index) ?? Range(m.Rung, 1, MaxRungs, "rung") : $"the job id is {Describe(m.JobId)}"),
        Check<CurveChunk>(m => Index(m.Index) ?? Attempt(m.Attempt) ?? Range(m.Chunk, 0, MaxList, "chunk") ?? List(m.Epochs, "epochs") ?? Epochs(m.Epochs)),
        Check<TrialFault>(m => Node(m.Node) ?? Index(m.Index) ?? Attempt(m.Attempt) ?? Text(m.Error, MaxErrorLength, "error")),
        Check<WorkerHolds>(m => Node(m.Node) ?? List(m.Trials, "trials") ?? m.Trials.Select(t => t is null ? "a null trial" : Index(t.Index) ?? Attempt(t.Attempt)).FirstOrDefault(p => p is not null)),
        Check<HandBack>(m => Node(m.Node) ?? List(m.Indexes, "indexes") ?? m.Indexes.Select(Index).FirstOrDefault(p => p is not null)),
        Check<JobSpecText>(m => Text(m.SpecText, Experiments.Specs.SpecLimits.MaxBytes, "spec") ?? Text(m.DataManifest, 1 << 20, "data manifest")),
        Check<AssignTrials>(m => List(m.Trials, "trials") ?? m.Trials.Select(t => t is null ? "a null trial" : Index(t.Index) ?? Attempt(t.Attempt) ?? Draws(t.Draws)).FirstOrDefault(p => p is not null)),
        Check<ResultsStored>(m => List(m.Indexes, "indexes")),
        Check<ChunkStored>(m => Index(m.Index) ?? Range(m.Chunk, 0, MaxList, "chunk")),
        Check<CancelTrials>(_ => null),
        Check<HandBackDone>(_ => null),
        Check<CancelReply>(_ => null),
        Check<WorkerHeartbeat>(m => Node(m.Node) ?? Range(m.Slots, 0, 4096, "slots") ?? Range(m.Running, 0, MaxList, "running") ?? Range(m.Queued, 0, MaxList, "queued") ?? Range(m.Gpus, 0, 4096, "GPUs")),
        Check<RequestWork>(m => Node(m.Node) ?? Range(m.Count, 0, MaxList, "count") ?? Range(m.FreeGpus, 0, 4096, "free GPUs") ?? Range(m.IdleSlots, 0, 4096, "idle slots")),
        Check<NoWork>(_ => null),
        Check<WorkAvailable>(_ => null),
        Check<GetNodes>(_ => null),
        Check<WhichStore>(_ => null),
        Check<JobPending>(m => Range(m.Pending, 0, long.MaxValue, "pending")),
        Check<NodesReply>(m => List(m.Nodes, "nodes")),
        Check<StoreInUse>(m => Text(m.StoreId, MaxNodeLength, "store id") ?? Text(m.Description, MaxErrorLength, "store")),
        Check<FetchBlobChunk>(m => Sha(m.Sha256) ?? Range(m.Chunk, 0, int.MaxValue, "chunk")),
        Check<BlobChunk>(m => Sha(m.Sha256) ?? Range(m.Chunk, 0, int.MaxValue, "chunk") ?? Range(m.Chunks, 0, int.MaxValue, "chunks")
            ?? (m.Data is null ? "no data" : m.Data.Length > ProtocolLimits.ChunkBytes ? "a chunk over the chunk size" : null)),
        Check<JobView>(m => JobIds.IsValid(m.Id) ? null : $"the job id is {Describe(m.Id)}"),
    }.ToFrozenDictionary(c => c.Item1, c => c.Item2);

    private static (Type, Func<ISweepMessage, string?>) Check<T>(Func<T, string?> check) where T : ISweepMessage => (typeof(T), m => check((T)m));

    private static string Describe(string? id) => id is null ? "missing" : id.Length > JobIds.MaxLength ? $"{id.Length} characters long" : "not an id";

    private static string? Node(string? node) => node is null ? "no node" : node.Length > MaxNodeLength ? "a node name too long" : null;

    /// <summary>A TPE proposal: a few values, each in [0, 1).</summary>
    private static string? Draws(IReadOnlyList<double>? draws) =>
        draws is null ? null : draws.Count > 10_000 ? $"{draws.Count} proposed values (at most 10000)" : draws.Any(u => !(u >= 0 && u < 1)) ? "a proposed value outside [0, 1)" : null;

    private static string? Index(long index) => index < 0 ? $"a negative trial index ({index})" : null;

    private static string? Attempt(int attempt) => Range(attempt, 1, MaxAttempt, "attempt");

    private static string? Seconds(double s) => double.IsFinite(s) && s >= 0 ? null : "a time that is not a duration";

    private static string? Range(long value, long min, long max, string what) => value < min || value > max ? $"{what} = {value}, outside {min}..{max}" : null;

    private static string? Text(string? text, int max, string what) => text is null ? $"no {what}" : text.Length > max ? $"a {what} of {text.Length} characters (at most {max})" : null;

    private static string? List<T>(IReadOnlyCollection<T>? list, string what) => list is null ? $"no {what}" : list.Count > MaxList ? $"{list.Count} {what} (at most {MaxList})" : null;

    private static string? LiveTrial(LiveTrial? t) => t is null ? "a null trial"
        : Text(t.Key, 10_000, "key") ?? Node(t.Node) ?? List(t.PointEpochs, "points") ?? List(t.Train, "points") ?? List(t.Validation, "points")
          ?? (t.PointEpochs.Count == t.Train.Count && t.Train.Count == t.Validation.Count ? null : "points of unequal lengths");

    private static string? Sha(string? sha) => sha is { Length: 64 } && sha.All(char.IsAsciiHexDigit) ? null : "not a SHA-256";

    private static string? Epochs(IReadOnlyList<EpochResult> epochs) => epochs.Any(e => e is null) ? "a null epoch" : null;

    private static string? Result(TrialResult? r) => r switch
    {
        null => "no result",
        { Key: null } or { Model: null } => "a result without its key or model",
        { Key.Length: > MaxErrorLength } => "a result key too long",
        { Epochs: null } => "a result without its epochs",
        { SwitchedStep: < 1 } => "a switch step below 1",
        _ => Text(r.Error ?? "", MaxErrorLength, "error") ?? List(r.Epochs, "epochs") ?? Epochs(r.Epochs),
    };
}
