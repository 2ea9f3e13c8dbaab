using Akka.Actor;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>Why a node gave up: its configuration is wrong (exit 2), or something failed at run time (exit 1).</summary>
public enum NodeFailure { None, BadConfiguration, Runtime }

/// <summary>
/// A running node as the rest of the process sees it: its store and actors once it has joined,
/// and whether it is ready or gave up (and why). The command line waits on <see cref="Ready"/>.
/// </summary>
public sealed class NodeRuntime
{
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NodeRuntime(NodeSettings settings, ISweepStore? store, bool embedded, Reports.IReportRenderer? renderer)
    {
        Settings = settings;
        Store = store;
        Embedded = embedded;
        Renderer = store is null || renderer is not null ? renderer : throw new ArgumentException("a node with a store renders its jobs' reports", nameof(renderer));
    }

    /// <summary>The specs of the jobs this node works on, each parsed once here.</summary>
    public Experiments.Specs.SpecCache Specs { get; } = new();

    /// <summary>Draws the reports of the job folders this node writes (coordinator-role nodes).</summary>
    public Reports.IReportRenderer? Renderer { get; }

    public NodeSettings Settings { get; }

    /// <summary>The store (coordinator-role nodes only).</summary>
    public ISweepStore? Store { get; }

    /// <summary>A one-node cluster inside one program (<c>run</c>) that nobody else joins.</summary>
    public bool Embedded { get; }

    /// <summary>Where the job entities' folders go; the embedded run puts its one job into its output folder.</summary>
    public Func<string, string> JobFolder { get; init; } = _ => throw new InvalidOperationException("no job folder");

    public ActorSystem System { get; internal set; } = null!;

    /// <summary>The job entities' shard region (coordinator nodes) or its proxy.</summary>
    public IActorRef Jobs { get; internal set; } = ActorRefs.Nobody;

    public IActorRef Dispatcher { get; internal set; } = ActorRefs.Nobody;

    public IActorRef Worker { get; internal set; } = ActorRefs.Nobody;

    /// <summary>The node's report scheduler (coordinator-role nodes): one report budget for every job's folder written here.</summary>
    public IActorRef Reports { get; internal set; } = ActorRefs.Nobody;

    /// <summary>host:port of this node.</summary>
    public string Node { get; internal set; } = "";

    /// <summary>Completes with this node's address once it has joined the cluster and started its actors.</summary>
    public Task<string> Ready => _ready.Task;

    public NodeFailure Failure { get; private set; }

    public string? FailureMessage { get; private set; }

    internal void SetReady(string address) => _ready.TrySetResult(address);

    public void Fail(NodeFailure kind, string message)
    {
        if (Failure != NodeFailure.None) return;
        Failure = kind;
        FailureMessage = message;
        _ready.TrySetException(new InvalidOperationException(message));
    }
}
