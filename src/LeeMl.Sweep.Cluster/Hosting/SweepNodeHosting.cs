using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Cluster.Security;
using LeeMl.Sweep.Cluster.Workers;
using Microsoft.Extensions.DependencyInjection;

namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>
/// A node's Akka.NET wiring through Akka.Hosting: remoting (with TLS when configured),
/// clustering with the split-brain resolver, the serializer, logging into
/// Microsoft.Extensions.Logging, and the node's actors (see <see cref="NodeStarter"/>).
/// </summary>
public static class SweepNodeHosting
{
    public const string SystemName = "leeml-sweep";

    /// <summary>
    /// Failure detection as measured on small machines: keep-majority decides after 5 s of a
    /// stable view and the dead node's shards and singletons move 1 s after it is removed, so a
    /// dead coordinator's jobs run elsewhere about 10–15 s after it died. The singleton proxy's
    /// own identification warning fires at start-up before any time has passed; it is off.
    /// </summary>
    private const string Hocon = """
        akka.cluster {
          split-brain-resolver { active-strategy = keep-majority, stable-after = 5s }
          down-removal-margin = 1s
          min-nr-of-members = 1
          # A node restarted on its old address joins once its old incarnation is gone: try again soon, not after 10 s.
          retry-unsuccessful-join-after = 2s
          run-coordinated-shutdown-when-down = on
          singleton { hand-over-retry-interval = 500ms }
          singleton-proxy { singleton-identification-interval = 500ms, buffer-size = 10000, log-singleton-identification-failure = off }
          sharding {
            passivate-idle-entity-after = off
            remember-entities = off
            state-store-mode = ddata
            distributed-data.durable.keys = []
            retry-interval = 1s
          }
        }
        # No remote system message or actor selection reaches an actor unless listed here (docs/security.md).
        akka.remote {
          untrusted-mode = on
          trusted-selection-paths = [
            "/system/cluster/core/daemon", "/system/cluster/heartbeatReceiver", "/system/remote-watcher",
            "/system/sharding/jobCoordinator", "/system/sharding/jobCoordinator/singleton/coordinator", "/system/sharding/coordinatorReplicator",
            "/user/dispatcher", "/user/dispatcher/dispatcher", "/user/store-guard", "/user/blobs"
          ]
        }
        akka.actor.serializers {
          akka-misc = "LeeMl.Sweep.Cluster.Security.NetworkSafeMiscSerializer, LeeMl.Sweep.Cluster"
          akka-system-msg = "LeeMl.Sweep.Cluster.Security.NetworkSafeSystemMessageSerializer, LeeMl.Sweep.Cluster"
        }
        akka.remote.dot-netty.tcp {
          # Dispatch is latency-bound (a trial ends, the next starts): no write batching.
          batching.enabled = false
        }
        # A node that starts before the other seeds, or a peer that restarts, is not worth a warning:
        # the cluster's membership events tell what matters (joins, unreachable, removed).
        akka.remote.log-remote-lifecycle-events = off
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        akka.coordinated-shutdown.exit-clr = off
        """;

    /// <summary>One node alone (run): Joining → Up on the first leader tick, and out again at the first tick, not after gossip rounds sized for machines.</summary>
    private const string EmbeddedHocon = """
        akka.cluster.periodic-tasks-initial-delay = 0s
        akka.cluster.leader-actions-interval = 100ms
        akka.cluster.singleton-proxy.singleton-identification-interval = 25ms
        akka.cluster.sharding.retry-interval = 50ms
        # Leaving: the singletons stop at the first hand-over retry, as no younger node takes them over.
        akka.cluster.singleton.hand-over-retry-interval = 10ms
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        """;

    public static IServiceCollection AddSweepNode(this IServiceCollection services, NodeRuntime runtime, WorkerOptions? worker, ClusterTls? tls)
    {
        var s = runtime.Settings;
        var scheme = tls is null ? "akka.tcp" : "akka.ssl.tcp";
        var ssl = tls?.RemoteSsl();
        services.AddSingleton(runtime);
        services.AddAkka(SystemName, (builder, provider) =>
        {
            builder.AddHocon(ConfigurationFactory.ParseString(Hocon + (runtime.Embedded ? "\n" + EmbeddedHocon : "")), HoconAddMode.Prepend);
            AkkaLogger.Factory = provider.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>();
            builder.ConfigureLoggers(l =>
            {
                l.LogLevel = AkkaLevel(s.LogLevel);
                l.ClearLoggers();
                l.AddLogger<AkkaLogger>();
            });
            var remote = new RemoteOptions
            {
                HostName = s.Host,
                PublicHostName = s.PublicHost ?? s.Host,
                Port = s.Port,
                MaxFrameSize = 4 * 1024 * 1024,
                SendBufferSize = 8 * 1024 * 1024,
                ReceiveBufferSize = 8 * 1024 * 1024,
                EnableSsl = ssl is not null,
            };
            if (ssl is not null) remote.Ssl = ssl;
            builder.WithRemoting(remote);
            builder.WithClustering(new ClusterOptions
            {
                Roles = [.. s.Roles],
                SeedNodes = [.. s.SeedNodes.Select(seed => $"{scheme}://{SystemName}@{seed}")],
            });
            // Liveness: the actor system runs; readiness: the node has joined its cluster (with the node's own checks, NodeHealth).
            builder.WithActorSystemLivenessCheck(null, ["live"]);
            builder.WithAkkaClusterReadinessCheck(null, ["ready"]);
            builder.WithCustomSerializer("sweep", [typeof(ISweepMessage)], system => new SweepSerializer(system));
            builder.WithActors((system, _) =>
            {
                runtime.System = system;
                runtime.Dispatcher = system.ActorOf(ClusterSingletonProxy.Props("/user/dispatcher",
                    ClusterSingletonProxySettings.Create(system).WithRole(NodeRoles.Coordinator).WithSingletonName("dispatcher")), "dispatcher-proxy");
                if (s.IsCoordinator) system.ActorOf(Akka.Actor.Props.Create(() => new StoreGuard(runtime.Store!.Identity)), StoreGuard.Name);
                NodeStartup.OnJoin(system, runtime, worker);
                if (worker is not null)
                    // SIGTERM / Ctrl+C: running trials go back before the node leaves, so they restart elsewhere in
                    // seconds instead of waiting for failure detection.
                    CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "hand-back-trials", async () =>
                    {
                        if (runtime.Worker.IsNobody()) return Akka.Done.Instance;
                        try { await runtime.Worker.Ask<HandBackDone>(TrialWorker.Leave.Instance, TimeSpan.FromSeconds(4)); }
                        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { }   // the job's coordinator is gone: its successor re-queues them
                        return Akka.Done.Instance;
                    });
                if (s.SeedNodes.Count == 0)
                {
                    var cluster = Akka.Cluster.Cluster.Get(system);
                    cluster.Join(cluster.SelfAddress);   // a one-node cluster of its own (run)
                }
            });
        });
        return services;
    }

    private static Akka.Event.LogLevel AkkaLevel(string level) => level.ToLowerInvariant() switch
    {
        "trace" or "debug" => Akka.Event.LogLevel.DebugLevel,
        "information" or "info" => Akka.Event.LogLevel.InfoLevel,
        "warning" or "warn" => Akka.Event.LogLevel.WarningLevel,
        _ => Akka.Event.LogLevel.ErrorLevel,
    };
}
