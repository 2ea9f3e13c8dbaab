using System.CommandLine;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Experiments.Text;

namespace LeeMl.Sweep.Cli.Commands.Cancel;

/// <summary><c>cancel</c>: stops a running job; its finished trials stay in the store.</summary>
public static class CancelCommand
{
    public static Command Create()
    {
        var jobArg = Options.Positional<string>("JOB", "the job to stop", ArgumentArity.ExactlyOne);
        var cluster = new ClusterOptionSet();
        var command = new Command("cancel", "stop a running job (its finished trials are kept); exit code 3 if it had already ended")
        {
            jobArg,
        };
        cluster.AddTo(command);
        command.SetAction(parse =>
        {
            var job = parse.GetValue(jobArg)!;
            var stdout = parse.InvocationConfiguration.Output;
            return cluster.Call(parse, async client =>
            {
                switch (await client.Cancel(job))
                {
                    case CancelOutcome.Cancelled:
                        stdout.WriteLine($"cancelled {Printable.Escape(job)}");
                        return ExitCodes.Ok;
                    case CancelOutcome.AlreadyOver:
                        var state = (await client.Job(job))?.State.Name() ?? "ended";
                        stdout.WriteLine($"job {Printable.Escape(job)} had already ended ({state}); nothing to cancel");
                        return ExitCodes.NothingToDo;
                    default:
                        throw new UsageException($"unknown job '{Printable.Escape(job)}'");
                }
            });
        });
        return command;
    }
}
