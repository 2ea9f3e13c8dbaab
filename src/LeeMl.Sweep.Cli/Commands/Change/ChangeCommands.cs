using System.CommandLine;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Text;

namespace LeeMl.Sweep.Cli.Commands.Change;

/// <summary>
/// <c>pause</c>, <c>resume</c>, <c>retry</c> and <c>extend</c>: an operator's changes of a job after
/// submit. Each prints what happened; a change the job refuses exits 2 with the reason, and changes nothing.
/// </summary>
public static class ChangeCommands
{
    public static IEnumerable<Command> Create() => [Pause(), Resume(), Retry(), Extend()];

    private static Command Pause()
    {
        var now = Options.Flag("--now", "stop the running trials at once (they run again on resume, no attempt counted) instead of letting them end");
        return Build("pause", "dispatch nothing more of a job, so its slots go to other jobs; running trials end first (or stop, with --now)", [now],
            parse => (parse.GetValue(now) ? JobChange.PauseNow : JobChange.Pause, null, null, null));
    }

    private static Command Resume() =>
        Build("resume", "carry on a paused job where it was", [], _ => (JobChange.Resume, null, null, null), follows: true);

    private static Command Retry()
    {
        var reason = new Option<string?>("--reason") { Description = "why the failed trials run again: kept in the job's history and each trial's telemetry [default: asked by an operator]", HelpName = "TEXT" };
        return Build("retry", "run again the trials of a job that failed (node faults exhausted, program errors); their failed attempts stay in telemetry", [reason],
            parse => (JobChange.Retry, null, null, parse.GetValue(reason)), follows: true);
    }

    private static Command Extend()
    {
        var specArg = Options.Positional<string>("SPEC", "the job's spec with more seeds, samples or grid levels (nothing else changed); validated here before it is sent", ArgumentArity.ExactlyOne);
        return Build("extend", "add seeds, samples or grid levels to a running or finished job: the result equals the job submitted with the larger spec, and trials already done are not run again", [specArg],
            parse =>
            {
                var file = parse.GetValue(specArg)!;
                var spec = SpecParser.ParseFile(file);   // a bad spec never reaches the cluster
                return (JobChange.Extend, spec.SpecText, Path.GetFileName(file), null);
            }, follows: true);
    }

    private static Command Build(string name, string description, IEnumerable<Symbol> extra, Func<ParseResult, (JobChange Change, string? Spec, string? File, string? Note)> what, bool follows = false)
    {
        var jobArg = Options.Positional<string>("JOB", "the job's id", ArgumentArity.ExactlyOne);
        var wait = Options.Flag("--wait", "then follow the job with a progress line until it ends, fetch its files and render its reports");
        var output = new Option<string?>("--out") { Description = "with --wait: where to write results.jsonl, telemetry.jsonl and the reports [default: runs/JOB]", HelpName = "DIR" };
        var cluster = new ClusterOptionSet();
        var command = new Command(name, description) { jobArg };
        foreach (var symbol in extra)
            if (symbol is Option option) command.Options.Add(option);
            else if (symbol is Argument argument) command.Arguments.Add(argument);
        if (follows)
        {
            command.Options.Add(wait);
            command.Options.Add(output);
        }
        cluster.AddTo(command);
        command.SetAction(parse =>
        {
            var job = parse.GetValue(jobArg)!;
            var (change, spec, file, note) = what(parse);
            var stdout = parse.InvocationConfiguration.Output;
            return cluster.Call(parse, async client =>
            {
                var reply = await client.Change(job, change, spec, file, note) ?? throw new UsageException($"unknown job '{Printable.Escape(job)}'");
                if (reply.Problem is { } problem) throw new UsageException($"job {Printable.Escape(job)}: {problem}");
                stdout.WriteLine($"{Printable.Escape(job)}: {reply.Message}");
                return follows && parse.GetValue(wait)
                    ? await Submit.SubmitCommand.FollowAndFetch(client, job, parse.GetValue(output), parse.InvocationConfiguration.Error)
                    : ExitCodes.Ok;
            });
        });
        return command;
    }
}
