using System.CommandLine;
using LeeMl.Sweep.Cli.Commands.Jobs;
using LeeMl.Sweep.Cli.Commands.Node;
using LeeMl.Sweep.Cluster.Hosting;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>How a client command reaches a cluster: --cluster, --client-host, --timeout and TLS, defined once for all of them.</summary>
public sealed class ClusterOptionSet
{
    public Option<string> Cluster { get; } = new("--cluster")
    {
        Description = "any node of the cluster, HOST:PORT",
        HelpName = "H:P",
        Required = true,
        CustomParser = Options.Checked(NodeCommand.Endpoint, ""),
    };

    public Option<string> ClientHost { get; } = new("--client-host")
    {
        Description = "the address of this machine that the cluster can reach",
        HelpName = "H",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    public Option<int> Timeout { get; } = new("--timeout")
    {
        Description = "seconds to wait for each answer from the cluster",
        HelpName = "S",
        DefaultValueFactory = _ => 15,
    };

    public TlsOptionSet Tls { get; } = new();

    public ClusterOptionSet()
    {
        Timeout.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--timeout must be at least 1 second"); });
    }

    public void AddTo(Command command)
    {
        command.Add(Cluster);
        command.Add(ClientHost);
        command.Add(Timeout);
        Tls.AddTo(command);
    }

    /// <summary>Connects, runs the call, and turns "no answer" into exit code 1.</summary>
    public int Call(ParseResult parse, TextWriter stderr, Func<SweepClient, Task<int>> call)
    {
        JobWatcher.AskTimeout = TimeSpan.FromSeconds(parse.GetValue(Timeout));
        return ClusterCall.Run(parse.GetValue(Cluster)!, parse.GetValue(ClientHost)!, Tls.Build(parse), stderr, call);
    }
}
