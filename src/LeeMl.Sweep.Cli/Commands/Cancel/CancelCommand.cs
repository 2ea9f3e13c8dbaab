using System.CommandLine;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cli.Commands.Jobs;
using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cli.Commands.Cancel;

/// <summary><c>cancel</c>: stops a running job; its finished trials stay in the database.</summary>
public static class CancelCommand
{
    public static Command Create()
    {
        var jobArg = Options.Positional<string>("JOB", "the job to stop", ArgumentArity.ExactlyOne);
        var cluster = new ClusterOptionSet();
        var command = new Command("cancel", "stop a running job (its finished trials are kept)")
        {
            jobArg,
        };
        cluster.AddTo(command);
        command.SetAction(parse => Run(parse, parse.GetValue(jobArg)!, cluster));
        return command;
    }

    private static int Run(ParseResult parse, string job, ClusterOptionSet cluster)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var stderr = parse.InvocationConfiguration.Error;
        return cluster.Call(parse, stderr, async client =>
        {
            var reply = await client.Ask<JobCancelled>(new CancelJob(job), JobWatcher.AskTimeout);
            if (!reply.Found) throw new UsageException($"unknown job '{job}'");
            stdout.WriteLine($"cancelled {job}");
            return ExitCodes.Ok;
        });
    }
}
