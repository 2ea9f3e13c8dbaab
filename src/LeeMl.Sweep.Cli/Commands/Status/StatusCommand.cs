using System.CommandLine;
using System.Text.Json;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cli.Commands.Jobs;
using LeeMl.Sweep.Cluster.Service;

namespace LeeMl.Sweep.Cli.Commands.Status;

/// <summary><c>status</c>: the cluster's jobs (or one) and its nodes; <c>--json</c> prints the API's answer as it is.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var jobArg = Options.Positional<string?>("JOB", "one job [default: every job]", ArgumentArity.ZeroOrOne);
        var json = Options.Flag("--json", "print one JSON object: {\"jobs\": [...], \"nodes\": [...]} (docs/api.md)");
        var cluster = new ClusterOptionSet();
        var command = new Command("status", "print the progress of the cluster's jobs and its nodes' slots")
        {
            jobArg, json,
        };
        cluster.AddTo(command);
        command.SetAction(parse => Run(parse, parse.GetValue(jobArg), parse.GetValue(json), cluster));
        return command;
    }

    private static int Run(ParseResult parse, string? job, bool json, ClusterOptionSet cluster)
    {
        var stdout = parse.InvocationConfiguration.Output;
        return cluster.Call(parse, async client =>
        {
            var status = await client.Status();
            if (job is not null)
            {
                var one = await client.Job(job)
                    ?? throw new UsageException($"unknown job '{Experiments.Text.Printable.Escape(job)}'");
                status = status with { Jobs = [one] };
            }
            if (json)
            {
                stdout.WriteLine(JsonSerializer.Serialize(status, ServiceJson.Default.ClusterStatus));
                return ExitCodes.Ok;
            }
            if (status.Jobs.Count == 0) stdout.WriteLine("no jobs");
            foreach (var j in status.Jobs)
            {
                stdout.WriteLine(JobWatcher.Progress(j) + (j.Coordinator is { } c ? $" (on {c})" : ""));
                foreach (var line in JobWatcher.Problems(j)) stdout.WriteLine(line);
            }
            stdout.WriteLine(JobWatcher.Nodes(status.Nodes));
            return ExitCodes.Ok;
        });
    }
}
