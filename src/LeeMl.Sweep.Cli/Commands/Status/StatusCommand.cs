using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cli.Commands.Jobs;
using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cli.Commands.Status;

/// <summary><c>status</c>: the progress of one job or of all, and the nodes' busy slots.</summary>
public sealed class StatusCommand : ICommand
{
    public string Name => "status";

    public string Summary => "print the progress of the cluster's jobs and its nodes' busy slots";

    public string Help => """
        Usage: leeml-sweep status [JOB] --cluster H:P [--client-host H] [--timeout S] [--tls-cert FILE --tls-ca FILE [--tls-password PW]]

        One line per job (done/running/failed/diverged trials, best validation accuracy, ETA) and
        one line with each worker node's busy slots. Exit codes: 0, 1 no answer, 2 unknown job.
        """;

    public int Run(ArgReader args, TextWriter stdout, TextWriter stderr)
    {
        var (cluster, positional) = ClusterArgs.Parse(args);
        if (positional.Count > 1) throw new UsageException($"one job at a time ('{positional[1]}')");
        var job = positional.FirstOrDefault();
        return cluster.Call(stderr, async client =>
        {
            var report = await client.Ask<StatusReport>(new GetStatus(job), JobWatcher.AskTimeout);
            if (report.Error is not null) throw new UsageException(report.Error);
            if (report.Jobs.Count == 0) stdout.WriteLine("no jobs");
            foreach (var j in report.Jobs) stdout.WriteLine(JobWatcher.Progress(j));
            stdout.WriteLine(JobWatcher.Nodes(report.Nodes));
            return ExitCodes.Ok;
        });
    }
}
