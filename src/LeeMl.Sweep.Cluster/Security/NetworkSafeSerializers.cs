using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Dispatch.SysMsg;
using Akka.Remote.Serialization;
using Akka.Serialization;

namespace LeeMl.Sweep.Cluster.Security;

/// <summary>
/// Akka's own serializers with the messages that stop or freeze an actor refused on arrival.
/// Untrusted mode drops PoisonPill and Terminate, but not <see cref="Kill"/> (which stops any
/// actor it reaches, cluster daemons included) nor Suspend, Failed or Create, which a peer can send
/// straight to any actor path. No node of a sweep cluster sends them across the network (it
/// deploys nothing remotely), so they are refused where the bytes are read, from anyone. Remote
/// death watch (Watch, Unwatch, DeathWatchNotification) is what the cluster needs and passes.
/// </summary>
public sealed class NetworkSafeMiscSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private readonly MiscMessageSerializer _inner = new(system);

    /// <summary>Akka's identifier for these messages: the serializer replaces <see cref="MiscMessageSerializer"/> under it.</summary>
    public override int Identifier => 16;

    public override byte[] ToBinary(object obj) => _inner.ToBinary(obj);

    public override string Manifest(object o) => _inner.Manifest(o);

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        "K" => throw new SerializationException("refused a Kill from the network"),
        "PP" => throw new SerializationException("refused a PoisonPill from the network"),
        _ => _inner.FromBinary(bytes, manifest),
    };
}

/// <summary>Akka's system-message serializer that reads back only the messages of remote death watch.</summary>
public sealed class NetworkSafeSystemMessageSerializer(ExtendedActorSystem system) : Serializer(system)
{
    private readonly SystemMessageSerializer _inner = new(system);

    public override int Identifier => 22;

    public override bool IncludeManifest => true;

    public override byte[] ToBinary(object obj) => _inner.ToBinary(obj);

    public override object FromBinary(byte[] bytes, Type type) =>
        type == typeof(Watch) || type == typeof(Unwatch) || type == typeof(DeathWatchNotification)
            ? _inner.FromBinary(bytes, type)
            : throw new SerializationException($"refused the system message {type?.Name} from the network");
}
