using System.CommandLine;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cli.Commands.Jobs;
using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cli.Commands.Status;

/// <summary><c>status</c>: the progress of one job or of all, and the nodes' busy slots.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var jobArg = Options.Positional<string?>("JOB", "one job [default: every job]", ArgumentArity.ZeroOrOne);
        var cluster = new ClusterOptionSet();
        var command = new Command("status", "print the progress of the cluster's jobs and its nodes' slots")
        {
            jobArg,
        };
        cluster.AddTo(command);
        command.SetAction(parse => Run(parse, parse.GetValue(jobArg), cluster));
        return command;
    }

    private static int Run(ParseResult parse, string? job, ClusterOptionSet cluster)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var stderr = parse.InvocationConfiguration.Error;
        return cluster.Call(parse, stderr, async client =>
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
