using System.Globalization;
using Akka.Configuration;

namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>
/// The HOCON of a node and of a client, in one place. Failure detection follows the measured
/// settings (shared akka-notes): split-brain resolver keep-majority with stable-after 5 s and a
/// down-removal margin of 1 s, so a dead worker's trials run elsewhere about 10–15 s after it died.
/// </summary>
public static class AkkaConfig
{
    private const string Serialization = """
        akka.actor {
          serializers.sweep = "LeeMl.Sweep.Cluster.Protocol.SweepSerializer, LeeMl.Sweep.Cluster"
          serialization-bindings { "LeeMl.Sweep.Cluster.Protocol.ISweepMessage, LeeMl.Sweep.Cluster" = sweep }
        }
        akka.remote.dot-netty.tcp {
          # Dispatch is latency-bound (a trial ends, the next starts): no write batching, whose
          # flush interval would hold small messages back for up to 40 ms.
          batching.enabled = false
          maximum-frame-size = 4 MiB
          send-buffer-size = 8 MiB
          receive-buffer-size = 8 MiB
        }
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        """;

    public static Config Node(NodeOptions o)
    {
        static string Quote(string s) => "\"" + s.Replace("\"", "\\\"") + "\"";
        var seeds = string.Join(", ", o.SeedNodes.Select(s => Quote($"{o.Scheme}://{NodeOptions.SystemName}@{s}")));
        var roles = string.Join(", ", o.Roles.Select(Quote));
        var hocon = $$"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp {
              hostname = {{Quote(o.Host)}}
              public-hostname = {{Quote(o.PublicHost ?? o.Host)}}
              port = {{o.Port.ToString(CultureInfo.InvariantCulture)}}
              enable-ssl = {{(o.Tls is null ? "false" : "true")}}
            }
            akka.cluster {
              roles = [{{roles}}]
              seed-nodes = [{{seeds}}]
              min-nr-of-members = 1
              downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
              split-brain-resolver { active-strategy = keep-majority, stable-after = 5s }
              down-removal-margin = 1s
              singleton { singleton-name = coordinator, role = coordinator, hand-over-retry-interval = 500ms }
              singleton-proxy { singleton-name = coordinator, role = coordinator, singleton-identification-interval = 500ms, buffer-size = 10000 }
              run-coordinated-shutdown-when-down = on
            }
            akka.loglevel = {{o.LogLevel}}
            akka.stdout-loglevel = {{o.LogLevel}}
            akka.coordinated-shutdown.exit-clr = off   # the program returns by itself; never Environment.Exit inside a host
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = on
            """;
        // One node alone: Joining → Up and Leaving → Removed wait for the leader's next tick, and the
        // first tick waits for periodic-tasks-initial-delay; on one node those ticks cost nothing.
        const string embedded = """
            akka.cluster.periodic-tasks-initial-delay = 0s
            akka.cluster.leader-actions-interval = 100ms
            akka.cluster.singleton-proxy.singleton-identification-interval = 100ms
            akka.coordinated-shutdown.run-by-actor-system-terminate = off
            """;
        return ConfigurationFactory.ParseString(hocon + "\n" + (o.Embedded ? embedded + "\n" : "") + Serialization)
            .WithFallback(Akka.Cluster.Tools.Singleton.ClusterSingleton.DefaultConfig());
    }

    /// <summary>A client is not a cluster member: plain remoting on an ephemeral port.</summary>
    public static Config Client(string host, bool tls) => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = "{{host}}", port = 0, enable-ssl = {{(tls ? "true" : "false")}} }
        akka.loglevel = ERROR
        akka.stdout-loglevel = ERROR
        {{Serialization}}
        """);
}
