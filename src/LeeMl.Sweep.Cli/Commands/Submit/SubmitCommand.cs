using System.CommandLine;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cli.Commands.Jobs;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Cli.Commands.Submit;

/// <summary><c>submit</c>: launches a sweep job on a running cluster.</summary>
public static class SubmitCommand
{
    public static Command Create()
    {
        var specArg = Options.Positional<string>("SPEC", "the sweep spec (YAML or JSON); validated here before it is sent", ArgumentArity.ExactlyOne);
        var wait = Options.Flag("--wait", "follow the job with a progress line until it ends, then fetch its files");
        var output = new Option<string?>("--out") { Description = "with --wait: where to write results.jsonl, telemetry.jsonl and the reports [default: runs/JOB]", HelpName = "DIR" };
        var cluster = new ClusterOptionSet();
        var command = new Command("submit", "launch a sweep job on a running cluster; with --wait follow it and fetch its results")
        {
            specArg, wait, output,
        };
        cluster.AddTo(command);
        command.SetAction(parse => Run(parse, parse.GetValue(specArg)!, parse.GetValue(wait), parse.GetValue(output), cluster));
        return command;
    }

    private static int Run(ParseResult parse, string file, bool wait, string? outDir, ClusterOptionSet cluster)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var stderr = parse.InvocationConfiguration.Error;
        var spec = SpecParser.ParseFile(file);   // a bad spec never reaches the cluster
        return cluster.Call(parse, stderr, async client =>
        {
            var reply = await client.Ask<ISweepMessage>(new SubmitJob(spec.SpecText, Path.GetFileName(file), null), JobWatcher.AskTimeout);
            if (reply is JobRejected r) throw new UsageException(r.Error);
            var job = (JobAccepted)reply;
            stdout.WriteLine(job.JobId);
            if (!wait) return ExitCodes.Ok;
            stderr.WriteLine($"{job.Trials} trials; results on the coordinator in {job.OutputDirectory}");
            var final = await JobWatcher.Follow(client, job.JobId, stderr);
            var dir = outDir ?? Path.Combine("runs", job.JobId);
            await JobWatcher.Download(client, job.JobId, dir);
            File.WriteAllText(Path.Combine(dir, "spec.yaml"), spec.SpecText);
            Report.ReportCommand.Write(dir, null);   // the same report files as on the coordinator, rendered here
            stderr.WriteLine(Report.ReportFiles.Describe(dir));
            stderr.WriteLine($"results: {Path.Combine(dir, "results.jsonl")}");
            return final.State == "done" ? ExitCodes.Ok : ExitCodes.Failed;
        });
    }
}
