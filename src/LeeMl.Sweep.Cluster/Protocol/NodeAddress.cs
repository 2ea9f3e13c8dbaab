using Akka.Actor;

namespace LeeMl.Sweep.Cluster.Protocol;

/// <summary>
/// A node's name, host:port, taken from where a message came from (an actor's address), never
/// from a field the sender fills in: a message cannot speak for another node.
/// </summary>
public static class NodeAddress
{
    public static string Of(Address address) => $"{address.Host}:{address.Port}";

    /// <summary>The node of an actor; a local actor is on this node.</summary>
    public static string Of(IActorRef actor, ActorSystem system)
    {
        var address = actor.Path.Address;
        return address.HasGlobalScope ? Of(address) : Of(Akka.Cluster.Cluster.Get(system).SelfAddress);
    }
}
