namespace LeeMl.Sweep.Cluster.Protocol;

/// <summary>A worker's heartbeat to the dispatcher: its slots and what it holds.</summary>
public sealed record WorkerHeartbeat(string Node, int Slots, int Running, int Queued) : ISweepMessage
{
    /// <summary>Trials paused at rungs, and the slot time idle while they waited (see <see cref="NodeView"/>).</summary>
    public int Paused { get; init; }

    public double IdleWaitingSeconds { get; init; }

    /// <summary>Whether the node runs program trials (<c>--allow-programs</c>), and how many GPUs it has.</summary>
    public bool Programs { get; init; }

    public int Gpus { get; init; }
}

/// <summary>A worker has <paramref name="Count"/> free places (slots plus prefetch).</summary>
public sealed record RequestWork(string Node, int Count) : ISweepMessage
{
    /// <summary>Whether the worker runs program trials, and its GPUs not given to a trial: a job offers only what the worker can run.</summary>
    public bool Programs { get; init; }

    public int FreeGpus { get; init; }

    /// <summary>Slots with nothing running or queued: what stands idle if no trial comes.</summary>
    public int IdleSlots { get; init; }
}

/// <summary>No job has work now; <see cref="WorkAvailable"/> follows when one has.</summary>
public sealed record NoWork : ISweepMessage
{
    public static readonly NoWork Instance = new();
}

/// <summary>Sent to idle workers when a job announces work.</summary>
public sealed record WorkAvailable : ISweepMessage
{
    public static readonly WorkAvailable Instance = new();
}

/// <summary>A job's entity tells the dispatcher how many of its trials wait (0: none).</summary>
public sealed record JobPending(string JobId, long Pending) : ISweepMessage;

/// <summary>A client asks who is in the cluster (answered with <see cref="NodeView"/>s).</summary>
public sealed record GetNodes : ISweepMessage
{
    public static readonly GetNodes Instance = new();
}

public sealed record NodesReply(IReadOnlyList<NodeView> Nodes) : ISweepMessage;

/// <summary>A coordinator-role node asks another which store it uses; answered with <see cref="StoreInUse"/>.</summary>
public sealed record WhichStore : ISweepMessage
{
    public static readonly WhichStore Instance = new();
}

public sealed record StoreInUse(string StoreId, string Description) : ISweepMessage;

/// <summary>A worker asks a coordinator's blob server for one chunk of a shipped data file.</summary>
public sealed record FetchBlobChunk(string Sha256, int Chunk) : ISweepMessage;

/// <summary>One chunk (at most <see cref="ProtocolLimits.ChunkBytes"/> bytes) of a shipped data file, and how many it has; or why there is none.</summary>
public sealed record BlobChunk(string Sha256, int Chunk, int Chunks, byte[] Data, string? Error) : ISweepMessage;
