using System.Text.Json;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Protocol;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>A worker process dies (SIGKILL) or leaves (SIGTERM) while it trains; the sweep goes on without it.</summary>
[Trait("Category", "Cluster")]
public sealed class WorkerFailureTests(ITestOutputHelper output) : IDisposable
{
    private readonly ClusterFixture _f = new();

    public void Dispose() => _f.Dispose();

    /// <summary>48 trials of about half a second: long enough to catch a worker in the middle of one.</summary>
    public const string Spec = """
        name: failure-test
        data: { synthetic: blobs, samples: 60000, features: 8, seed: 11 }
        validation: 0.2
        models: [{ name: mlp, hidden: 48 }]
        epochs: 20
        batch_size: 32
        seeds: [1, 2, 3]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
          schedule: [ { name: cyclic, step_size_up: 100 }, { name: one-cycle } ]
          warmup: [ none, { steps: 50 } ]
          gradient_noise: [ none, { eta: 0.01 } ]
        """;

    /// <summary>The trial a worker is training now: its last "start" without a "done".</summary>
    private static string? Running(NodeProcess worker, string job)
    {
        var started = new List<string>();
        foreach (var line in worker.Lines)
        {
            if (line.StartsWith($"start {job} ", StringComparison.Ordinal)) started.Add(line[$"start {job} ".Length..]);
            if (line.StartsWith($"done {job} ", StringComparison.Ordinal)) started.Remove(line[$"done {job} ".Length..].Split(' ')[0]);
        }
        return started.LastOrDefault();
    }

    private async Task<(string Job, NodeProcess Survivor, NodeProcess Victim, string Trial, int C)> StartAndCatchVictimMidTrial()
    {
        var spec = _f.WriteSpec(Spec);
        int c = NodeProcess.FreePort(), w1 = NodeProcess.FreePort(), w2 = NodeProcess.FreePort();
        int[] seeds = [c, w1];
        _f.Node("coordinator", c, seeds);
        var survivor = _f.Node("worker", w1, seeds, slots: 1);
        var victim = _f.Node("worker", w2, seeds, slots: 1);
        await ClusterFixture.WaitForWorkers(c, 2, TimeSpan.FromSeconds(60));
        var submit = _f.Start("submit", spec, "--cluster", $"127.0.0.1:{c}", "--timeout", "60");
        Assert.True(submit.WaitForExit(TimeSpan.FromSeconds(60)) && submit.ExitCode == 0, submit.Output);
        var job = submit.Lines.First();
        // Wait until the victim has finished a few trials and is in the middle of another.
        await victim.WaitFor(o => o.Split('\n').Count(l => l.StartsWith("done ", StringComparison.Ordinal)) >= 3 && Running(victim, job) is not null,
            TimeSpan.FromSeconds(90), "the victim in the middle of a trial");
        return (job, survivor, victim, Running(victim, job)!, c);
    }

    private async Task<double> SecondsUntilStartedOn(NodeProcess survivor, string job, string trial, DateTime since, TimeSpan limit)
    {
        await survivor.WaitFor(o => o.Contains($"start {job} {trial}\n", StringComparison.Ordinal), limit, $"{trial} restarted on the survivor");
        return (DateTime.UtcNow - since).TotalSeconds;
    }

    private async Task<string> WaitForJob(int port, string job)
    {
        await using var client = SweepClient.Connect($"127.0.0.1:{port}");
        var end = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < end)
        {
            var status = (await client.Ask<StatusReport>(new GetStatus(job), TimeSpan.FromSeconds(10))).Jobs.Single();
            if (status.State == "done") return Path.Combine(_f.Dir, "jobs", job, "results.jsonl");
            await Task.Delay(250);
        }
        throw new TimeoutException("job did not finish");
    }

    private void AssertEachTrialOnceAndLikeAnUndisturbedRun(string results)
    {
        var keys = File.ReadAllLines(results).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("key").GetString()).ToList();
        Assert.Equal(48, keys.Count);
        Assert.Equal(48, keys.Distinct().Count());
        var run = _f.Start("run", Path.Combine(_f.Dir, "spec.yaml"), "--out", Path.Combine(_f.Dir, "undisturbed"));
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)) && run.ExitCode == 0, run.Output);
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(_f.Dir, "undisturbed", "results.jsonl")), ClusterFixture.Sha256(results));
    }

    [Fact]
    public async Task A_killed_worker_s_trial_restarts_on_another_node_within_15_s_and_the_job_completes()
    {
        var (job, survivor, victim, trial, c) = await StartAndCatchVictimMidTrial();
        victim.Kill();
        var killedAt = DateTime.UtcNow;
        var seconds = await SecondsUntilStartedOn(survivor, job, trial, killedAt, TimeSpan.FromSeconds(40));
        output.WriteLine($"SIGKILL → {trial} running on the other worker after {seconds:F1} s");
        Assert.True(seconds <= 15, $"restarted after {seconds:F1} s");
        AssertEachTrialOnceAndLikeAnUndisturbedRun(await WaitForJob(c, job));
    }

    [Fact]
    public async Task A_worker_stopped_with_sigterm_hands_its_trial_back_which_resumes_elsewhere_within_5_s()
    {
        var (job, survivor, victim, trial, c) = await StartAndCatchVictimMidTrial();
        victim.Terminate();
        var stoppedAt = DateTime.UtcNow;
        var seconds = await SecondsUntilStartedOn(survivor, job, trial, stoppedAt, TimeSpan.FromSeconds(30));
        output.WriteLine($"SIGTERM → {trial} running on the other worker after {seconds:F1} s");
        Assert.True(seconds <= 5, $"resumed after {seconds:F1} s");
        Assert.True(victim.WaitForExit(TimeSpan.FromSeconds(30)), "the leaving node exits");
        Assert.Matches(@"leaving: handing back [1-9]\d* trials", victim.Output);   // the running one and any prefetched
        AssertEachTrialOnceAndLikeAnUndisturbedRun(await WaitForJob(c, job));
    }
}
