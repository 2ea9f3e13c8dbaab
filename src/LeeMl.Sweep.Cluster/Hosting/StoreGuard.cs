using Akka.Actor;
using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>Answers <see cref="WhichStore"/> at /user/store-guard on every coordinator-role node.</summary>
public sealed class StoreGuard : Security.MemberOnlyActor
{
    public const string Name = "store-guard";

    public StoreGuard(LeeMl.Sweep.Store.StoreIdentity identity) =>
        Receive<WhichStore>(_ => Sender.Tell(new StoreInUse(identity.Id, identity.Description)));
}
