using Akka.Actor;
using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cluster.Actors;

/// <summary>
/// The door for clients (<c>submit</c>, <c>status</c>, <c>cancel</c>) at <c>/user/gateway</c> on every
/// node: forwards to the coordinator singleton wherever it runs, keeping the client as sender.
/// </summary>
public sealed class Gateway : ReceiveActor
{
    public Gateway(IActorRef coordinator)
    {
        Receive<ISweepMessage>(m => coordinator.Forward(m));
    }

    public static Props Props(IActorRef coordinator) => Akka.Actor.Props.Create(() => new Gateway(coordinator));
}
