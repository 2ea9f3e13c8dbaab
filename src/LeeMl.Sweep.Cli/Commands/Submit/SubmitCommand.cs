using System.CommandLine;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cli.Commands.Jobs;
using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Reporting;

namespace LeeMl.Sweep.Cli.Commands.Submit;

/// <summary><c>submit</c>: launches a sweep job on a running cluster; with <c>--wait</c> follows it (through failovers) and fetches its files.</summary>
public static class SubmitCommand
{
    public static Command Create()
    {
        var specArg = Options.Positional<string>("SPEC", "the sweep spec (YAML or JSON); validated here before it is sent", ArgumentArity.ExactlyOne);
        var wait = Options.Flag("--wait", "follow the job with a progress line until it ends, then fetch its files and render its reports");
        var output = new Option<string?>("--out") { Description = "with --wait: where to write results.jsonl, telemetry.jsonl and the reports [default: runs/JOB]", HelpName = "DIR" };
        var dataDir = Options.DataDir();
        var cluster = new ClusterOptionSet();
        var command = new Command("submit", "launch a sweep job on a running cluster; with --wait follow it and fetch its results")
        {
            specArg, wait, output, dataDir,
        };
        cluster.AddTo(command);
        command.SetAction(parse => Run(parse, parse.GetValue(specArg)!, parse.GetValue(wait), parse.GetValue(output), dataDir, cluster));
        return command;
    }

    private static int Run(ParseResult parse, string file, bool wait, string? outDir, Option<string?> dataDir, ClusterOptionSet cluster)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var stderr = parse.InvocationConfiguration.Error;
        var spec = SpecParser.ParseFile(file);   // a bad spec, or data that do not load, never reach the cluster
        var data = SpecData.Check(spec, parse.GetValue(dataDir) ?? Environment.GetEnvironmentVariable("LEEML_DATA"), file);
        return cluster.Call(parse, async client =>
        {
            await data.Ship(client);
            var reply = await client.Submit(new SubmitRequest(spec.SpecText, Path.GetFileName(file), data.Files));
            if (reply.Error is not null) throw new UsageException(reply.Error);
            var jobId = reply.Id!;
            stdout.WriteLine(jobId);   // alone on the first line, for scripts
            if (!wait) return ExitCodes.Ok;
            stderr.WriteLine($"{reply.Trials} trials");
            return await FollowAndFetch(client, jobId, outDir, stderr);
        });
    }

    /// <summary>Follows a job until it ends, then fetches its files and renders its reports; exit 0 when it is done, 1 when it failed or was cancelled.</summary>
    internal static async Task<int> FollowAndFetch(ISweepApi client, string jobId, string? outDir, TextWriter stderr)
    {
        var final = await JobWatcher.Follow(client, jobId, stderr);
        var dir = outDir ?? Path.Combine("runs", jobId);
        await client.WriteJobData(jobId, dir);
        ReportFolder.Render(dir);   // the same report files as on the coordinator, rendered here
        stderr.WriteLine(ReportFolder.Describe(dir));
        stderr.WriteLine($"results: {Path.Combine(dir, "results.jsonl")}");
        if (final.State == JobState.Done) return ExitCodes.Ok;
        stderr.WriteLine($"job {jobId} {final.State.Name()}: {final.Failed} of {final.Trials} trials failed" +
            (final.Errors.Count > 0 ? $"; most often: {Experiments.Text.Printable.Escape(final.Errors[0].Error)}" : ""));
        return ExitCodes.Failed;
    }
}
