using Akka.Actor;
using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>
/// How <c>submit</c>, <c>status</c> and <c>cancel</c> reach a running cluster: plain Akka.Remote to the
/// gateway of the node given by --cluster H:P. The client never joins the cluster, so it cannot
/// disturb membership or the split-brain majority.
/// </summary>
public sealed class SweepClient : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly ICanTell _gateway;

    private SweepClient(ActorSystem system, ICanTell gateway)
    {
        _system = system;
        _gateway = gateway;
    }

    public static SweepClient Connect(string cluster, string localHost = "127.0.0.1", TlsOptions? tls = null)
    {
        var system = SweepNode.Create("leeml-sweep-client", AkkaConfig.Client(localHost, tls is not null), tls);
        var scheme = tls is null ? "akka.tcp" : "akka.ssl.tcp";
        return new SweepClient(system, system.ActorSelection($"{scheme}://{NodeOptions.SystemName}@{cluster}/user/gateway"));
    }

    /// <summary>For the embedded run: the gateway is in this process.</summary>
    public static SweepClient Local(SweepNode node) => new(node.System, node.Gateway);

    public async Task<T> Ask<T>(ISweepMessage message, TimeSpan timeout)
    {
        var reply = _gateway switch
        {
            ActorSelection selection => await selection.Ask(message, timeout),
            IActorRef actor => await actor.Ask(message, timeout),
            _ => throw new InvalidOperationException("no gateway"),
        };
        return reply is T t ? t : throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_system.Name == "leeml-sweep-client") await _system.Terminate();
    }
}
