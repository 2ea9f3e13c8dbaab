using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cluster.Security;

/// <summary>
/// An actor that takes protocol messages (<see cref="ISweepMessage"/>) only from actors of this
/// node or of a member of its cluster. Anything else that reaches its port — a process that never
/// joined, a node already removed — is dropped and logged before a handler runs, so it can
/// neither register as a worker, forge a result nor hand back another node's trials. (Clients use
/// the HTTP API, never these messages.) Messages without a sender are dropped too: a node's own
/// messages always have one, except <see cref="WakeJob"/>, which carries no authority (the entity
/// reads its job from the store).
/// </summary>
public abstract class MemberOnlyActor : ReceiveActor
{
    private readonly Dictionary<(Address, Type), long> _dropped = [];

    protected override bool AroundReceive(Receive receive, object message)
    {
        if (message is ISweepMessage and not WakeJob && !FromMember(Sender))
        {
            var from = Sender is null || Sender.IsNobody() ? Address.AllSystems : Sender.Path.Address;
            var key = (from, message.GetType());
            var n = _dropped[key] = _dropped.GetValueOrDefault(key) + 1;
            if (n is 1 or 10 or 100 or 1000 || n % 10_000 == 0)
                Context.GetLogger().Warning("dropped {0} from {1}, which is not a member of this cluster ({2} so far)", message.GetType().Name,
                    from == Address.AllSystems ? "an unknown sender" : from.ToString(), n);
            return true;
        }
        return base.AroundReceive(receive, message);
    }

    private bool FromMember(IActorRef? sender)
    {
        if (sender is null || sender.IsNobody() || sender.Equals(Context.System.DeadLetters)) return false;
        var address = sender.Path.Address;
        if (address.HasLocalScope) return true;
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        if (address == cluster.SelfAddress) return true;
        foreach (var member in cluster.State.Members)
            if (member.Address == address) return member.Status is not (MemberStatus.Down or MemberStatus.Removed);
        return false;
    }
}
