using LeeMl.Sweep.Cluster.Protocol;
using System.Globalization;
using LeeMl.Sweep.Cli.Client;
using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Experiments.Text;
using Spectre.Console;

namespace LeeMl.Sweep.Cli.Commands.Jobs;

/// <summary>Follows a job to its end with a progress line (a live table in a terminal), through failovers of its coordinator.</summary>
public static class JobWatcher
{
    /// <summary>How long a follower keeps trying while no coordinator answers (a failover takes seconds, not minutes).</summary>
    public static TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromMinutes(3);

    private static string Percent(double v) => double.IsFinite(v) ? (100 * v).ToString("F2", CultureInfo.InvariantCulture) + " %" : "-";

    public static string Progress(JobView j)
    {
        var eta = j.EtaSeconds is { } s ? string.Create(CultureInfo.InvariantCulture, $", ETA {s:F0} s") : "";
        var stopped = (j.Stopped > 0 ? $", {j.Stopped} stopped" : "") + (j.ProposalWaitSeconds is { } w ? string.Create(CultureInfo.InvariantCulture, $", slots waited {w:F1} s for proposals") : "");
        return string.Create(CultureInfo.InvariantCulture,
            $"[{j.ElapsedSeconds,6:F1} s] {j.Id}: {j.State.Name()}, {j.Done}/{j.Trials} done, {j.Running} running, {j.Queued} queued, {j.Failed} failed, {j.Diverged} diverged{stopped}; best validation {Percent(j.BestValidation)}{eta}");
    }

    /// <summary>Quarantined nodes and the most frequent errors, one line each (empty when there are none).</summary>
    public static IEnumerable<string> Problems(JobView j)
    {
        foreach (var q in j.Quarantined)
            yield return $"  quarantined: {q.Node} until {q.Until.ToLocalTime():HH:mm:ss} ({Printable.Escape(q.Reason)})";
        foreach (var e in j.Errors)
            yield return $"  error ×{e.Count}: {Printable.Escape(e.Error)}";
        foreach (var h in j.History ?? [])
            yield return $"  {h.At.ToLocalTime():yyyy-MM-dd HH:mm:ss} {Printable.Escape(h.What)}";
    }

    public static string Nodes(IEnumerable<NodeView> nodes) =>
        "nodes: " + string.Join(", ", nodes.Select(n => n.Roles.Contains("worker")
            ? $"{n.Address} {n.Running} running + {n.Queued} queued{(n.Paused > 0 ? $" + {n.Paused} paused at rungs" : "")} on {n.Slots} slots{(n.Programs ? $", runs programs{(n.Gpus > 0 ? $" on {n.Gpus} GPUs" : "")}" : "")}"
            : $"{n.Address} ({string.Join(",", n.Roles)})"));

    /// <summary>
    /// Follows a job until it ends: a live table in a terminal (Spectre.Console), plain lines when
    /// the output is a file or a pipe, as in CI or a log.
    /// </summary>
    /// <param name="poll">Between two questions to the cluster; the embedded run asks its own process, often and cheaply, so that it ends when the job does.</param>
    public static async Task<JobView> Follow(ISweepApi api, string jobId, TextWriter output, CancellationToken cancel = default, TimeSpan? poll = null)
    {
        var every = poll ?? TimeSpan.FromMilliseconds(500);
        var isConsole = ReferenceEquals(output, Console.Out) || ReferenceEquals(output, Console.Error);
        var redirected = ReferenceEquals(output, Console.Error) ? Console.IsErrorRedirected : Console.IsOutputRedirected;
        return isConsole && !redirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive
            ? await FollowLive(api, jobId, every, cancel)
            : await FollowLines(api, jobId, output, every, cancel);
    }

    /// <summary>The job now; null while no coordinator answers (for at most <see cref="GiveUpAfter"/>).</summary>
    private static async Task<JobView?> Poll(ISweepApi api, string jobId, Func<DateTimeOffset?> since, Action<DateTimeOffset?> setSince, CancellationToken cancel)
    {
        try
        {
            var job = await api.Job(jobId, cancel) ?? throw new CommandLine.UsageException($"unknown job '{jobId}'");
            setSince(null);
            return job;
        }
        catch (ClusterUnavailableException) when (since() is null || DateTimeOffset.UtcNow - since()!.Value < GiveUpAfter)
        {
            if (since() is null) setSince(DateTimeOffset.UtcNow);
            return null;
        }
    }

    private static async Task<JobView> FollowLive(ISweepApi api, string jobId, TimeSpan poll, CancellationToken cancel)
    {
        JobView? final = null;
        DateTimeOffset? lost = null;
        var table = new Spectre.Console.Table().AddColumns("job", "state", "done", "running", "queued", "failed", "diverged", "best validation", "elapsed", "ETA");
        await Spectre.Console.AnsiConsole.Live(table).StartAsync(async live =>
        {
            while (true)
            {
                var j = await Poll(api, jobId, () => lost, v => lost = v, cancel);
                if (j is not null)
                {
                    table.Rows.Clear();
                    table.AddRow(Spectre.Console.Markup.Escape(j.Id), j.State.Name(), $"{j.Done}/{j.Trials}", $"{j.Running}", $"{j.Queued}", $"{j.Failed}", $"{j.Diverged}",
                        Percent(j.BestValidation), j.ElapsedSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s",
                        j.EtaSeconds is { } s ? s.ToString("F0", CultureInfo.InvariantCulture) + " s" : "-");
                    table.Caption(Spectre.Console.Markup.Escape(string.Join("\n", Problems(j))));
                    live.Refresh();
                    if (j.State.IsOver())
                    {
                        final = j;
                        return;
                    }
                }
                await Task.Delay(PollDelay(j, poll), cancel);
            }
        });
        return final!;
    }

    /// <summary>While the final report is written the end is near: at most a tenth of a second between polls.</summary>
    private static TimeSpan PollDelay(JobView? job, TimeSpan poll) =>
        job?.State == JobState.Reporting && poll > TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : poll;

    /// <summary>A progress line at most this often while the state stays the same.</summary>
    private static readonly TimeSpan LineEvery = TimeSpan.FromMilliseconds(500);

    private static async Task<JobView> FollowLines(ISweepApi api, string jobId, TextWriter output, TimeSpan poll, CancellationToken cancel)
    {
        string? last = null;
        JobState? lastState = null;
        var printed = System.Diagnostics.Stopwatch.StartNew();
        DateTimeOffset? lost = null;
        var lostReported = false;
        while (true)
        {
            var job = await Poll(api, jobId, () => lost, v => lost = v, cancel);
            if (job is null)
            {
                if (!lostReported) output.WriteLine($"no coordinator answers for job {jobId} (a failover takes a few seconds); still trying");
                lostReported = true;
                await Task.Delay(1000, cancel);
                continue;
            }
            lostReported = false;
            var key = $"{job.State}{job.Done}{job.Running}{job.Queued}{job.Failed}";
            if (key != last && (job.State != lastState || job.State.IsOver() || printed.Elapsed >= LineEvery))
            {
                lastState = job.State;
                printed.Restart();
                output.WriteLine(Progress(job));
                foreach (var line in Problems(job)) output.WriteLine(line);
                last = key;
            }
            if (job.State.IsOver()) return job;
            await Task.Delay(PollDelay(job, poll), cancel);
        }
    }
}
