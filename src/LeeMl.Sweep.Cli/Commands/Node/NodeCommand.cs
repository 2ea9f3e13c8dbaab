using System.Globalization;
using System.Net;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cluster.Hosting;

namespace LeeMl.Sweep.Cli.Commands.Node;

/// <summary><c>node</c>: runs one cluster node until it is stopped (SIGTERM or Ctrl+C leave the cluster gracefully).</summary>
public sealed class NodeCommand : ICommand
{
    public string Name => "node";

    public string Summary => "run one cluster node (coordinator and/or worker) until stopped";

    public string Help => $"""
        Usage: leeml-sweep node --roles coordinator,worker --host H --port P --seed-nodes H:P[,H:P...]
                                [--slots N] [--db FILE] [--data-dir DIR] [--public-host NAME] [--log-trials]
                                [--tls-cert FILE --tls-ca FILE [--tls-password PW]]

          --roles R[,R]        coordinator (runs the sweep coordinator and its database), worker (trains trials)
          --host H             address to listen on (default 127.0.0.1)
          --port P             port to listen on (default 4053)
          --seed-nodes LIST    the same list on every node, the coordinator first and at least one other node,
                               so that a restarted coordinator rejoins instead of forming a second cluster
          --slots N            trials this node trains at once (default: its cores, {Environment.ProcessorCount} here)
          --db FILE            the coordinator's database (default leeml-sweep.db); job results go to
                               FILE's folder/jobs/JOB/ unless submit gives --out
          --data-dir DIR       the named datasets on this machine (default: $LEEML_DATA)
          --public-host NAME   the name other nodes use to reach this one (default: --host)
          --log-trials         print a line when a trial starts and when it ends on this node
        {TlsArgs.Help}        With TLS, every node and client needs a certificate from the same CA (docs/tls.md).
        Stop with SIGTERM or Ctrl+C: the node leaves the cluster and its running trials go to other nodes
        (exit code 0). A node cut off from the majority downs itself and exits with code 1.
        """;

    public int Run(ArgReader args, TextWriter stdout, TextWriter stderr)
    {
        var roles = new List<string>();
        string host = "127.0.0.1", db = "leeml-sweep.db";
        string? publicHost = null, dataDir = Environment.GetEnvironmentVariable("LEEML_DATA");
        var port = 4053;
        var seeds = new List<string>();
        var slots = Environment.ProcessorCount;
        var logTrials = false;
        var tls = new TlsArgs();
        while (args.HasMore)
        {
            var a = args.Next();
            switch (a)
            {
                case "--roles":
                    roles = [.. args.Value(a).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
                    break;
                case "--host": host = args.Value(a); break;
                case "--port": port = Port(args.Value(a), a); break;
                case "--seed-nodes":
                    seeds = [.. args.Value(a).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Endpoint)];
                    break;
                case "--slots": slots = args.Int(a, min: 1); break;
                case "--db": db = args.Value(a); break;
                case "--data-dir": dataDir = args.Value(a); break;
                case "--public-host": publicHost = args.Value(a); break;
                case "--log-trials": logTrials = true; break;
                default:
                    if (!tls.TryRead(a, args)) throw new UsageException($"unknown option '{a}'");
                    break;
            }
        }
        if (roles.Count == 0) throw new UsageException("--roles is required: coordinator, worker, or both");
        foreach (var r in roles.Where(r => r is not ("coordinator" or "worker")))
            throw new UsageException($"unknown role '{r}'; roles: coordinator, worker");
        if (seeds.Count == 0) throw new UsageException("--seed-nodes is required (the same list on every node)");

        var node = SweepNode.Start(new NodeOptions(roles, host, port, seeds, slots, db, dataDir, publicHost, logTrials, Tls: tls.Build()));
        stdout.WriteLine($"node {node.Address} up; roles {string.Join(",", roles)}; {slots} slots");
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;   // leave the cluster gracefully instead of dying mid-trial
            _ = Akka.Actor.CoordinatedShutdown.Get(node.System).Run(Akka.Actor.CoordinatedShutdown.ClrExitReason.Instance);
        };
        node.System.WhenTerminated.Wait();
        // Stopped on request (SIGTERM, Ctrl+C): 0. Downed by the cluster (cut off, or declared dead): 1.
        var reason = Akka.Actor.CoordinatedShutdown.Get(node.System).ShutdownReason;
        var downed = reason is Akka.Actor.CoordinatedShutdown.ClusterDowningReason;
        stdout.WriteLine($"node {node.Address} stopped{(downed ? ": the cluster downed it" : "")}");
        return downed ? ExitCodes.Failed : ExitCodes.Ok;
    }

    public static int Port(string text, string option) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535
            ? p
            : throw new UsageException($"{option} '{text}' is not a port (1-65535)");

    /// <summary>H:P with a valid port; H a name or an address.</summary>
    public static string Endpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) throw new UsageException($"'{text}' must be HOST:PORT");
        var host = text[..colon];
        if (host.Any(char.IsWhiteSpace) || (!IPAddress.TryParse(host, out _) && Uri.CheckHostName(host) == UriHostNameType.Unknown))
            throw new UsageException($"'{host}' in '{text}' is not a host name or address");
        Port(text[(colon + 1)..], "port");
        return text;
    }
}
