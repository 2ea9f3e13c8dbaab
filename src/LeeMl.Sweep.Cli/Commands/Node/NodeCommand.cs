using System.CommandLine;
using System.Globalization;
using System.Net;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cluster.Hosting;

namespace LeeMl.Sweep.Cli.Commands.Node;

/// <summary><c>node</c>: runs one cluster node until it is stopped (SIGTERM or Ctrl+C leave the cluster gracefully).</summary>
public static class NodeCommand
{
    public static Command Create()
    {
        var roles = new Option<string>("--roles") { Description = "coordinator (runs sweep jobs and their database), worker (trains trials), or both: coordinator,worker", HelpName = "R[,R]", Required = true };
        var host = new Option<string>("--host") { Description = "address to listen on", HelpName = "H", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "port to listen on", HelpName = "P", DefaultValueFactory = _ => 4053, CustomParser = Options.Checked(t => Port(t, "--port"), 0) };
        var seeds = new Option<string>("--seed-nodes")
        {
            Description = "the same list on every node, the first coordinator first and at least one other node, so that a restarted coordinator rejoins instead of forming a second cluster",
            HelpName = "H:P[,H:P...]",
            Required = true,
        };
        var slots = Options.Slots();
        var db = new Option<string>("--db") { Description = "the coordinator's database; job results go to FILE's folder/jobs/JOB/", HelpName = "FILE", DefaultValueFactory = _ => "leeml-sweep.db" };
        var dataDir = Options.DataDir();
        var publicHost = new Option<string?>("--public-host") { Description = "the name other nodes use to reach this one [default: --host]", HelpName = "NAME" };
        var logTrials = Options.Flag("--log-trials", "print a line when a trial starts and when it ends on this node");
        var tls = new TlsOptionSet();
        var command = new Command("node", "run one cluster node (coordinator and/or worker) until stopped")
        {
            roles, host, port, seeds, slots, db, dataDir, publicHost, logTrials,
        };
        tls.AddTo(command);
        command.SetAction(parse =>
        {
            var roleList = parse.GetValue(roles)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
            if (roleList.Count == 0) throw new UsageException("--roles is required: coordinator, worker, or both");
            foreach (var r in roleList.Where(r => r is not ("coordinator" or "worker")))
                throw new UsageException($"unknown role '{r}'; roles: coordinator, worker");
            var seedList = parse.GetValue(seeds)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Endpoint).ToList();
            if (seedList.Count == 0) throw new UsageException("--seed-nodes is required (the same list on every node)");
            return Run(new NodeOptions(roleList, parse.GetValue(host)!, parse.GetValue(port), seedList, parse.GetValue(slots), parse.GetValue(db)!,
                parse.GetValue(dataDir) ?? Environment.GetEnvironmentVariable("LEEML_DATA"), parse.GetValue(publicHost), parse.GetValue(logTrials), Tls: tls.Build(parse)),
                parse.InvocationConfiguration.Output);
        });
        return command;
    }

    private static int Run(NodeOptions options, TextWriter stdout)
    {
        var node = SweepNode.Start(options);
        stdout.WriteLine($"node {node.Address} up; roles {string.Join(",", options.Roles)}; {options.Slots} slots");
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
