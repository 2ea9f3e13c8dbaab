using System.CommandLine;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Experiments.Text;

namespace LeeMl.Sweep.Cli.Commands.Logs;

/// <summary><c>logs</c>: a program trial's output as the cluster keeps it (its newest part), and with <c>--follow</c> as it comes until the trial is over.</summary>
public static class LogsCommand
{
    public static Command Create()
    {
        var jobArg = Options.Positional<string>("JOB", "the job", ArgumentArity.ExactlyOne);
        var trialArg = Options.Positional<string>("TRIAL_KEY", "the trial's key, as results.jsonl and status show it, e.g. 'program(hidden=32, lr=0.01)|seed=1'", ArgumentArity.ExactlyOne);
        var follow = Options.Flag("--follow", "keep printing the output as the trial writes it, until the trial is over");
        var cluster = new ClusterOptionSet();
        var command = new Command("logs", "print a program trial's output (the newest 1 MiB the cluster keeps of it); exit code 2 if the job has no such trial")
        {
            jobArg, trialArg, follow,
        };
        cluster.AddTo(command);
        command.SetAction(parse =>
        {
            var (job, key, following) = (parse.GetValue(jobArg)!, parse.GetValue(trialArg)!, parse.GetValue(follow));
            var stdout = parse.InvocationConfiguration.Output;
            return cluster.Call(parse, async client =>
            {
                long after = 0;
                var attempt = 0;
                while (true)
                {
                    var piece = await client.TrialOutput(job, key, after)
                        ?? throw new UsageException($"job {Printable.Escape(job)} has no trial '{Printable.Escape(key)}' (the keys are in results.jsonl, or: status --json)");
                    if (piece.Attempt != attempt && attempt != 0) stdout.WriteLine($"--- attempt {piece.Attempt} (the trial started again on another node) ---");
                    if (piece.From > after && after > 0) stdout.WriteLine($"… ({piece.From - after:N0} characters no longer kept)");
                    stdout.Write(piece.Text);
                    stdout.Flush();
                    (after, attempt) = (piece.Total, piece.Attempt);
                    if (!following || piece.Over) return ExitCodes.Ok;
                    await Task.Delay(TimeSpan.FromSeconds(1));
                }
            });
        });
        return command;
    }
}
