using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using LeeMl.Sweep.Cluster.Actors;
using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>
/// One cluster node: the coordinator singleton (coordinator role), a trial worker (worker role),
/// and the client gateway on every node. The same wiring runs a one-node cluster in one process
/// for <c>run</c>.
/// </summary>
public sealed class SweepNode : IAsyncDisposable
{
    private readonly bool _embedded;

    private SweepNode(ActorSystem system, IActorRef gateway, bool embedded)
    {
        System = system;
        Gateway = gateway;
        _embedded = embedded;
    }

    public ActorSystem System { get; }

    public IActorRef Gateway { get; }

    public static SweepNode Start(NodeOptions options)
    {
        var system = Create(NodeOptions.SystemName, AkkaConfig.Node(options), options.Tls);
        var singletonSettings = ClusterSingletonManagerSettings.Create(system).WithRole("coordinator");
        if (options.IsCoordinator)
            system.ActorOf(ClusterSingletonManager.Props(SweepCoordinator.Props(options.DatabasePath), PoisonPill.Instance, singletonSettings), "coordinator");
        var proxy = system.ActorOf(ClusterSingletonProxy.Props("/user/coordinator", ClusterSingletonProxySettings.Create(system).WithRole("coordinator")), "coordinator-proxy");
        var address = Akka.Cluster.Cluster.Get(system).SelfAddress;
        var nodeName = $"{address.Host}:{address.Port}";
        if (options.IsWorker)
        {
            var worker = system.ActorOf(TrialWorker.Props(proxy, nodeName, options.Slots, options.DataDirectory, options.LogTrials, options.Executor), "worker");
            // SIGTERM / Ctrl+C: hand running trials back before the node leaves, so they restart elsewhere
            // in seconds instead of waiting for failure detection.
            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "hand-back-trials", async () =>
            {
                try { await worker.Ask<HandBackDone>(TrialWorker.Leave.Instance, TimeSpan.FromSeconds(4)); }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { }   // the coordinator is gone: its restart re-queues them
                return Akka.Done.Instance;
            });
        }
        var gateway = system.ActorOf(Actors.Gateway.Props(proxy), "gateway");
        if (options.SeedNodes.Count == 0)
            Akka.Cluster.Cluster.Get(system).Join(address);   // a one-node cluster of its own (run)
        if (!options.Embedded) _ = Task.Run(WarmUp);

        return new SweepNode(system, gateway, options.Embedded);
    }

    /// <summary>
    /// Parses and plans the built-in spec once, in the background, so that the first job submitted
    /// to a fresh node does not pay the just-in-time compilation of the spec parser and planner on
    /// its critical path (measured: the first parse ≈ 0.12 s, later ones ≈ 0.01 s). run skips it:
    /// it parses its spec itself.
    /// </summary>
    private static void WarmUp()
    {
        var spec = Experiments.Specs.SpecParser.Parse(Experiments.Specs.DefaultSpec.Text, Experiments.Specs.DefaultSpec.FileName);
        Experiments.Planning.Planner.Expand(spec).ToDictionary(t => t.Key, StringComparer.Ordinal);
    }

    /// <summary>An actor system with TLS set up in memory when asked for (a custom validator needs that).</summary>
    internal static ActorSystem Create(string name, Akka.Configuration.Config config, TlsOptions? tls)
    {
        var setup = BootstrapSetup.Create().WithConfig(config);
        return tls is null ? ActorSystem.Create(name, setup) : ActorSystem.Create(name, setup.And(tls.Setup()));
    }

    public string Address => Akka.Cluster.Cluster.Get(System).SelfAddress.ToString();

    /// <summary>Leaves the cluster gracefully (running trials handed back first). An embedded node is
    /// alone, with nobody to hand over to: it stops its actors directly (the coordinator still closes
    /// its database), which saves the leave's round of leader ticks and transport shutdown.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_embedded) await System.Terminate();
        else await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance);
    }
}
