using Akka.Actor;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Jobs;

/// <summary>
/// What a coordinator-role node gives its job entities: the store, this node's name, the
/// dispatcher, the node's report scheduler, and the defaults of how jobs treat attempts and nodes.
/// </summary>
public sealed class NodeServices(ISweepStore store, string node, JobSettings jobs)
{
    /// <summary>The node's parsed specs, shared with its worker and report scheduler.</summary>
    public Experiments.Specs.SpecCache Specs { get; init; } = new();

    public ISweepStore Store { get; } = store;

    /// <summary>host:port of this node.</summary>
    public string Node { get; } = node;

    public JobSettings Jobs { get; } = jobs;

    public IActorRef Dispatcher { get; set; } = ActorRefs.Nobody;

    public IActorRef Reports { get; set; } = ActorRefs.Nobody;
}
