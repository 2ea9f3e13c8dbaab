using System.Globalization;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Protocol;
using Spectre.Console;

namespace LeeMl.Sweep.Cli.Commands.Jobs;

/// <summary>Follows a job to its end with a progress line, and fetches its result files.</summary>
public static class JobWatcher
{
    /// <summary>How long a command waits for the cluster's answer (--timeout).</summary>
    public static TimeSpan AskTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public static string Progress(JobStatus j)
    {
        var best = double.IsFinite(j.BestValidationAccuracy) ? (100 * j.BestValidationAccuracy).ToString("F2", CultureInfo.InvariantCulture) + " %" : "-";
        var rate = j.Done > 0 && j.Seconds > 0 ? j.Done / j.Seconds : 0;
        var eta = rate > 0 && j.State == "running" ? $", ETA {(j.Trials - j.Done) / rate:F0} s" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"[{j.Seconds,6:F1} s] {j.JobId}: {j.State}, {j.Done}/{j.Trials} done, {j.Running} running, {j.Failed} failed, {j.Diverged} diverged; best validation {best}{eta}");
    }

    public static string Nodes(IEnumerable<NodeStatus> nodes) =>
        "nodes: " + string.Join(", ", nodes.Select(n => $"{n.Node} {n.Busy}/{n.Slots} slots busy"));

    /// <summary>
    /// Follows a job until it ends: a live table in a terminal (Spectre.Console), plain lines when
    /// the output is a file or a pipe, as in CI or a log.
    /// </summary>
    public static async Task<JobStatus> Follow(SweepClient client, string jobId, TextWriter stdout, CancellationToken cancel = default)
    {
        var isConsole = ReferenceEquals(stdout, Console.Out) || ReferenceEquals(stdout, Console.Error);
        var redirected = ReferenceEquals(stdout, Console.Error) ? Console.IsErrorRedirected : Console.IsOutputRedirected;
        return isConsole && !redirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive
            ? await FollowLive(client, jobId, cancel)
            : await FollowLines(client, jobId, stdout, cancel);
    }

    private static async Task<JobStatus> FollowLive(SweepClient client, string jobId, CancellationToken cancel)
    {
        JobStatus? final = null;
        var table = new Spectre.Console.Table().AddColumns("job", "state", "done", "running", "failed", "diverged", "best validation", "elapsed", "ETA");
        await Spectre.Console.AnsiConsole.Live(table).StartAsync(async live =>
        {
            while (true)
            {
                var report = await client.Ask<StatusReport>(new GetStatus(jobId), AskTimeout);
                if (report.Error is not null) throw new UsageException(report.Error);
                var j = report.Jobs.Single();
                table.Rows.Clear();
                var rate = j.Done > 0 && j.Seconds > 0 ? j.Done / j.Seconds : 0;
                table.AddRow(j.JobId, j.State, $"{j.Done}/{j.Trials}", $"{j.Running}", $"{j.Failed}", $"{j.Diverged}",
                    double.IsFinite(j.BestValidationAccuracy) ? (100 * j.BestValidationAccuracy).ToString("F2", CultureInfo.InvariantCulture) + " %" : "-",
                    j.Seconds.ToString("F1", CultureInfo.InvariantCulture) + " s", rate > 0 && j.State == "running" ? $"{(j.Trials - j.Done) / rate:F0} s" : "-");
                table.Caption(Spectre.Console.Markup.Escape(Nodes(report.Nodes)));
                live.Refresh();
                if (j.State is not ("running" or "reporting"))
                {
                    final = j;
                    return;
                }
                await Task.Delay(PollDelay(j), cancel);
            }
        });
        return final!;
    }

    /// <summary>Half a second between polls; while the final report is written the end is near, so sooner.</summary>
    private static int PollDelay(JobStatus job) => job.State == "reporting" ? 100 : 500;

    private static async Task<JobStatus> FollowLines(SweepClient client, string jobId, TextWriter stdout, CancellationToken cancel)
    {
        string? last = null;
        var lastNodes = DateTime.MinValue;
        while (true)
        {
            var report = await client.Ask<StatusReport>(new GetStatus(jobId), AskTimeout);
            if (report.Error is not null) throw new UsageException(report.Error);
            var job = report.Jobs.Single();
            var line = Progress(job);
            var key = $"{job.State}{job.Done}{job.Running}";
            if (key != last)
            {
                stdout.WriteLine(line);
                last = key;
            }
            if (DateTime.UtcNow - lastNodes > TimeSpan.FromSeconds(10) && job.State == "running")   // busy slots per node, now and then
            {
                stdout.WriteLine("  " + Nodes(report.Nodes));
                lastNodes = DateTime.UtcNow;
            }
            if (job.State is not ("running" or "reporting")) return job;
            await Task.Delay(PollDelay(job), cancel);
        }
    }

    /// <summary>Writes the job's results.jsonl and telemetry.jsonl into <paramref name="directory"/>.</summary>
    public static async Task Download(SweepClient client, string jobId, string directory)
    {
        var lines = new List<string>();
        var telemetry = new List<string>();
        var total = int.MaxValue;
        while (lines.Count < total)
        {
            var page = await client.Ask<ResultsPage>(new GetResults(jobId, lines.Count), AskTimeout);
            if (page.Error is not null) throw new UsageException(page.Error);
            total = page.Total;
            if (page.Lines.Count == 0) break;
            lines.AddRange(page.Lines);
            telemetry.AddRange(page.Telemetry);
        }
        Directory.CreateDirectory(directory);
        Experiments.Files.AtomicFile.WriteText(Path.Combine(directory, "results.jsonl"), string.Concat(lines.Select(l => l + "\n")));
        Experiments.Files.AtomicFile.WriteText(Path.Combine(directory, "telemetry.jsonl"), string.Concat(telemetry.Select(l => l + "\n")));
    }
}
