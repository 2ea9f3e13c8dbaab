using LeeMl.Sweep.Cli.Commands.Jobs;
using LeeMl.Sweep.Cli.Commands.Node;
using LeeMl.Sweep.Cluster.Hosting;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>How a client command reaches a cluster: --cluster, --client-host, --timeout and TLS, read once for all.</summary>
public sealed class ClusterArgs
{
    private readonly TlsArgs _tls = new();

    public string? Cluster { get; private set; }

    public string ClientHost { get; private set; } = "127.0.0.1";

    /// <summary>Consumes the option if it is one of these.</summary>
    public bool TryRead(string option, ArgReader args)
    {
        switch (option)
        {
            case "--cluster": Cluster = NodeCommand.Endpoint(args.Value(option)); return true;
            case "--client-host": ClientHost = args.Value(option); return true;
            case "--timeout": JobWatcher.AskTimeout = TimeSpan.FromSeconds(args.Int(option, min: 1)); return true;
            default: return _tls.TryRead(option, args);
        }
    }

    /// <summary>Reads every argument: these options, and the positional ones into a list.</summary>
    public static (ClusterArgs Cluster, List<string> Positional) Parse(ArgReader args, Func<string, ArgReader, bool>? other = null)
    {
        var cluster = new ClusterArgs();
        var positional = new List<string>();
        while (args.HasMore)
        {
            var a = args.Next();
            if (cluster.TryRead(a, args) || (other?.Invoke(a, args) ?? false)) continue;
            if (a.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"unknown option '{a}'");
            positional.Add(a);
        }
        return (cluster, positional);
    }

    /// <summary>Connects, runs the call, and turns "no answer" into exit code 1.</summary>
    public int Call(TextWriter stderr, Func<SweepClient, Task<int>> call)
    {
        if (Cluster is null) throw new UsageException("--cluster H:P is required");
        return ClusterCall.Run(Cluster, ClientHost, _tls.Build(), stderr, call);
    }
}
