using System.CommandLine;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Reporting;

namespace LeeMl.Sweep.Cli.Commands.Fetch;

/// <summary><c>fetch</c>: a job's files from the store, on any machine that reaches a coordinator, at any later time.</summary>
public static class FetchCommand
{
    public static Command Create()
    {
        var jobArg = Options.Positional<string>("JOB", "the job whose files to fetch", ArgumentArity.ExactlyOne);
        var output = new Option<string?>("--out") { Description = "where to write results.jsonl, telemetry.jsonl, spec.yaml and the reports [default: runs/JOB]", HelpName = "DIR" };
        var cluster = new ClusterOptionSet();
        var command = new Command("fetch", "write a job's results, CSV files and reports from the cluster's store into a folder")
        {
            jobArg, output,
        };
        cluster.AddTo(command);
        command.SetAction(parse =>
        {
            var job = parse.GetValue(jobArg)!;
            var dir = parse.GetValue(output) ?? Path.Combine("runs", job);
            var stdout = parse.InvocationConfiguration.Output;
            return cluster.Call(parse, async client =>
            {
                await client.WriteJobData(job, dir);
                var report = ReportFolder.Render(dir);
                stdout.WriteLine($"{ReportFolder.Describe(dir)}; {report.Progress.Done} of {report.Progress.Planned} trials");
                stdout.WriteLine($"results: {Path.Combine(dir, "results.jsonl")}");
                return ExitCodes.Ok;
            });
        });
        return command;
    }
}
