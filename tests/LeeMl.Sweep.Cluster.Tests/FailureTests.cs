using LeeMl.Sweep.Tests;
using System.Text.Json;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// Nodes go away while they train, one after another, on one cluster (SQLite, one coordinator):
/// a worker leaves (SIGTERM), a worker dies (SIGKILL), the coordinator dies (SIGKILL) and is
/// started again on its database. The job completes with every trial once and the bytes of an
/// undisturbed run.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class FailureTests(ITestOutputHelper output) : IDisposable
{
    private readonly ClusterFixture _f = new();

    public void Dispose() => _f.Dispose();

    /// <summary>96 trials of about half a second: long enough to catch a worker in the middle of one.</summary>
    public const string Spec = """
        name: failure-test
        data: { synthetic: blobs, samples: 40000, features: 8, seed: 11 }
        validation: 0.2
        models: [{ name: mlp, hidden: 32 }]
        epochs: 60
        batch_size: 32
        seeds: [1, 2, 3, 4, 5, 6]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
          schedule: [ { name: cyclic, step_size_up: 100 }, { name: one-cycle } ]
          warmup: [ none, { steps: 50 } ]
          gradient_noise: [ none, { eta: 0.01 } ]
        """;

    /// <summary>The trials a worker trains now: started, not done.</summary>
    private static List<string> Running(CliProcess worker, string job)
    {
        var started = ClusterFixture.Logged(worker, "start").Where(s => s.Text.StartsWith(job, StringComparison.Ordinal)).Select(s => s.Text[(job.Length + 1)..]).ToList();
        foreach (var d in ClusterFixture.Logged(worker, "done").Where(s => s.Text.StartsWith(job, StringComparison.Ordinal)))
        {
            var rest = d.Text[(job.Length + 1)..];   // KEY OUTCOME SECONDS; keys hold spaces
            rest = rest[..rest.LastIndexOf(' ')];
            started.Remove(rest[..rest.LastIndexOf(' ')]);
        }
        return started;
    }

    /// <summary>A trial the worker has just started (after two done), so that it is far from its end when the worker is stopped.</summary>
    private static async Task<string> MidTrial(CliProcess worker, string job)
    {
        await worker.WaitFor(_ => ClusterFixture.Logged(worker, "done").Count() >= 2, TimeSpan.FromSeconds(90), "a worker that has trained two trials");
        var seen = ClusterFixture.Logged(worker, "start").Count();
        await worker.WaitFor(_ => ClusterFixture.Logged(worker, "start").Count() > seen && Running(worker, job).Count > 0, TimeSpan.FromSeconds(90), "a worker starting a trial");
        return Running(worker, job)[^1];
    }

    /// <summary>A trial the worker is training, with the worker frozen (SIGSTOP) in the middle of it.
    /// A worker logs "done" before it sends the result, so a trial still running in the drained log
    /// of a frozen worker has not reached the coordinator: killing the worker now always loses it.</summary>
    private static async Task<string> FrozenMidTrial(CliProcess worker, string job)
    {
        for (var attempt = 0; ; attempt++)
        {
            var trial = await MidTrial(worker, job);
            worker.Freeze();
            await Task.Delay(1000);   // the output readers drain what the worker printed before it froze
            if (Running(worker, job).Contains(trial)) return trial;
            if (attempt == 5) throw new InvalidOperationException("every trial picked ended before its worker froze:\n" + worker.Output);
            worker.Thaw();
        }
    }

    /// <summary>Seconds until <paramref name="trial"/> starts on one of <paramref name="others"/>.</summary>
    private static async Task<double> Restarted(string job, string trial, DateTime since, TimeSpan limit, params CliProcess[] others)
    {
        var end = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < end)
        {
            var at = others.SelectMany(o => ClusterFixture.Logged(o, "start")).Where(s => s.At >= since.AddMilliseconds(-50) && s.Text == $"{job} {trial}").Select(s => s.At).Order().FirstOrDefault();
            if (at != default) return (at - since).TotalSeconds;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{trial} did not start again within {limit}");
    }

    [Fact]
    public async Task A_leaving_worker_hands_back_a_dead_worker_s_trial_runs_elsewhere_and_a_restarted_coordinator_resumes_and_no_byte_changes()
    {
        var spec = _f.WriteSpec(Spec);
        int c = LeeMl.Sweep.Tests.FreePorts.Next(), http = LeeMl.Sweep.Tests.FreePorts.Next();
        int[] w = [LeeMl.Sweep.Tests.FreePorts.Next(), LeeMl.Sweep.Tests.FreePorts.Next(), LeeMl.Sweep.Tests.FreePorts.Next()];
        int[] seeds = [c, w[2], w[0]];   // worker 2 stays up throughout; worker 0 comes back after it left
        var coordinator = _f.Node("coordinator", c, seeds, http: http);
        var workers = w.Select(p => _f.Node("worker", p, seeds, slots: 1)).ToArray();
        using var client = ClusterFixture.Client(http);
        await ClusterFixture.WaitForWorkers(client, 3, TimeSpan.FromSeconds(90));
        var submit = _f.Start("submit", spec, "--cluster", $"127.0.0.1:{http}", "--wait", "--out", Path.Combine(_f.Dir, "out"), "--timeout", "5");
        await submit.WaitFor(o => o.Contains("failure-test-", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the job id");
        var job = submit.Lines.First(l => l.StartsWith("failure-test-", StringComparison.Ordinal));

        // 1. SIGTERM: the leaving worker hands its trials back; one resumes elsewhere within seconds.
        var trial = await FrozenMidTrial(workers[0], job);
        workers[0].Terminate();   // pending until the worker thaws, so that it leaves well before the trial could end
        workers[0].Thaw();
        var at = DateTime.UtcNow;
        var resumed = await Restarted(job, trial, at, TimeSpan.FromSeconds(30), workers[1], workers[2]);
        output.WriteLine($"SIGTERM → {trial} running on another worker after {resumed:F1} s");
        Assert.True(resumed <= 5, $"resumed after {resumed:F1} s");
        Assert.True(workers[0].WaitForExit(TimeSpan.FromSeconds(30)), "the leaving node exits");
        Assert.Equal(0, workers[0].ExitCode);
        Assert.Matches(@"leaving: handing back [1-9]\d* trials", workers[0].Output);
        workers[0] = _f.Node("worker", w[0], seeds, slots: 1);   // back, so that three nodes stay when the coordinator dies

        // 2. SIGKILL: the dead worker's trial runs elsewhere once the cluster has removed it.
        trial = await FrozenMidTrial(workers[1], job);
        workers[1].Kill();
        at = DateTime.UtcNow;
        var restarted = await Restarted(job, trial, at, TimeSpan.FromSeconds(45), workers[0], workers[2]);
        output.WriteLine($"SIGKILL of a worker → {trial} running on another worker after {restarted:F1} s");
        Assert.True(restarted <= 15, $"restarted after {restarted:F1} s");

        // 3. The coordinator dies and comes back on its database and port: the job resumes, results stored before are kept.
        await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(60));
        var doneBefore = (await client.Job(job))!.Done;
        coordinator.Kill();
        at = DateTime.UtcNow;
        await Task.Delay(1000);
        _f.Node("coordinator", c, seeds, http: http);
        Assert.True(submit.WaitForExit(TimeSpan.FromMinutes(4)), "submit --wait did not finish:\n" + submit.Output);
        output.WriteLine($"coordinator killed at {doneBefore} of 96 done; job done {(DateTime.UtcNow - at).TotalSeconds:F1} s later");
        Assert.True(submit.ExitCode == 0, submit.Output);

        var results = Path.Combine(_f.Dir, "out", "results.jsonl");
        var keys = File.ReadAllLines(results).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("key").GetString()).ToList();
        Assert.Equal(96, keys.Count);
        Assert.Equal(96, keys.Distinct().Count());
        var run = _f.Start("run", spec, "--out", Path.Combine(_f.Dir, "undisturbed"));
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)) && run.ExitCode == 0, run.Output);
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(_f.Dir, "undisturbed", "results.jsonl")), ClusterFixture.Sha256(results));
        var telemetry = File.ReadAllLines(Path.Combine(_f.Dir, "out", "telemetry.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(telemetry, t => t.GetProperty("faults").GetArrayLength() > 0);   // the killed worker's attempt is on record, apart from the results
    }
}
