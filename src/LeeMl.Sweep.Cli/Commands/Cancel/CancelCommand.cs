using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cli.Commands.Jobs;
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
        var (cluster, positional) = ClusterArgs.Parse(args);
        if (positional.Count == 0) throw new UsageException("give the JOB id to cancel");
        if (positional.Count > 1) throw new UsageException($"one job at a time ('{positional[1]}')");
        var job = positional[0];
        return cluster.Call(stderr, async client =>
        {
            var reply = await client.Ask<JobCancelled>(new CancelJob(job), JobWatcher.AskTimeout);
            if (!reply.Found) throw new UsageException($"unknown job '{job}'");
            stdout.WriteLine($"cancelled {job}");
            return ExitCodes.Ok;
        });
    }
}
