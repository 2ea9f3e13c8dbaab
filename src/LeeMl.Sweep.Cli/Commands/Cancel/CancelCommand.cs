using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cli.Commands.Jobs;
using LeeMl.Sweep.Cli.Commands.Node;
using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cli.Commands.Cancel;

/// <summary><c>cancel</c>: stops a running job; its finished trials stay in the database.</summary>
public sealed class CancelCommand : ICommand
{
    public string Name => "cancel";

    public string Summary => "stop a running job (its finished trials are kept)";

    public string Help => """
        Usage: leeml-sweep cancel JOB --cluster H:P [--client-host H] [--timeout S] [--tls-cert FILE --tls-ca FILE [--tls-password PW]]
        --timeout S: seconds to wait for the answer (default 15); --tls-*: as for node (docs/tls.md).
        Exit codes: 0 cancelled, 1 no answer, 2 unknown job.
        """;

    public int Run(ArgReader args, TextWriter stdout, TextWriter stderr)
    {
        string? job = null, cluster = null;
        var clientHost = "127.0.0.1";
        var tls = new TlsArgs();
        while (args.HasMore)
        {
            var a = args.Next();
            switch (a)
            {
                case "--cluster": cluster = NodeCommand.Endpoint(args.Value(a)); break;
                case "--client-host": clientHost = args.Value(a); break;
                case "--timeout": JobWatcher.AskTimeout = TimeSpan.FromSeconds(args.Int(a, min: 1)); break;
                default:
                    if (tls.TryRead(a, args)) break;
                    if (a.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"unknown option '{a}'");
                    job = job is null ? a : throw new UsageException($"one job at a time ('{a}')");
                    break;
            }
        }
        if (job is null) throw new UsageException("give the JOB id to cancel");
        if (cluster is null) throw new UsageException("--cluster H:P is required");
        return ClusterCall.Run(cluster, clientHost, tls.Build(), stderr, async client =>
        {
            var reply = await client.Ask<JobCancelled>(new CancelJob(job), JobWatcher.AskTimeout);
            if (!reply.Found) throw new UsageException($"unknown job '{job}'");
            stdout.WriteLine($"cancelled {job}");
            return ExitCodes.Ok;
        });
    }
}
