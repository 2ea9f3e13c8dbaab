using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Results;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>The coordinator process is killed (SIGKILL) mid-job and started again on the same database.</summary>
[Trait("Category", "Cluster")]
public sealed class CoordinatorRestartTests(ITestOutputHelper output) : IDisposable
{
    private readonly ClusterFixture _f = new();

    public void Dispose() => _f.Dispose();

    /// <summary>48 slower trials (logistic and an MLP on 100,000 rows), so that the job outlives a restart and a half-way report.</summary>
    private const string SlowSpec = """
        name: restart-test
        data: { synthetic: blobs, samples: 100000, features: 8, seed: 5 }
        validation: 0.2
        models: [logistic, { name: mlp, hidden: 64 }]
        epochs: 25
        batch_size: 32
        seeds: [1, 2, 3]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
          schedule: [ { name: cyclic, step_size_up: 100 }, { name: one-cycle } ]
          warmup: [ none, { steps: 50 } ]
        """;


    [Fact]
    public async Task A_restarted_coordinator_resumes_the_job_without_retraining_finished_trials()
    {
        var spec = _f.WriteSpec(SlowSpec);
        int c = NodeProcess.FreePort(), w1 = NodeProcess.FreePort(), w2 = NodeProcess.FreePort();
        int[] seeds = [c, w1, w2];
        var coordinator = _f.Node("coordinator", c, seeds);
        var worker1 = _f.Node("worker", w1, seeds);
        var worker2 = _f.Node("worker", w2, seeds);
        await ClusterFixture.WaitForWorkers(c, 2, TimeSpan.FromSeconds(60));

        var submit = _f.Start("submit", spec, "--cluster", $"127.0.0.1:{w1}", "--timeout", "60");
        Assert.True(submit.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.True(submit.ExitCode == 0, submit.Output);
        var job = submit.Lines.First();

        await using var client = SweepClient.Connect($"127.0.0.1:{w1}");
        // Wait for some results and for the first half-way report, which the coordinator rewrites as results arrive.
        JobStatus? status = null;
        var halfWay = Path.Combine(_f.Dir, "jobs", job, "report.md");
        for (var i = 0; i < 600 && (status is null || status.Done < 8 || !File.Exists(halfWay)); i++)
        {
            status = await ClusterFixture.TryStatus(client, job);
            await Task.Delay(100);
        }
        Assert.NotNull(status);
        Assert.True(status.Done is >= 8 and < 48, $"kill mid-job: {status.Done} done");
        var partial = File.ReadAllText(halfWay);
        Assert.Matches(@"In progress \(running\): \d+ of 48 trials done", partial);

        coordinator.Kill();
        var killedAt = DateTime.UtcNow;
        Assert.True(coordinator.WaitForExit(TimeSpan.FromSeconds(10)));
        int logged1 = worker1.Lines.Length, logged2 = worker2.Lines.Length;
        HashSet<string> storedBeforeKill;
        using (var store = new SweepStore(Path.Combine(_f.Dir, "coord.db")))
            storedBeforeKill = [.. store.Results(job).Select(r => r.Key)];
        output.WriteLine($"killed with {storedBeforeKill.Count} results stored");

        await Task.Delay(2000);
        var restarted = _f.Node("coordinator", c, seeds);
        JobStatus? final = null;
        var end = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < end && final?.State != "done")
        {
            final = await ClusterFixture.TryStatus(client, job) ?? final;
            await Task.Delay(250);
        }
        Assert.Equal("done", final?.State);
        output.WriteLine($"job done {(DateTime.UtcNow - killedAt).TotalSeconds:F1} s after the kill");

        // Finished trials were not trained again: no worker started one of them after the kill.
        var startedAfter = worker1.Lines.Skip(logged1).Concat(worker2.Lines.Skip(logged2))
            .Where(l => l.StartsWith($"start {job} ", StringComparison.Ordinal)).Select(l => l[$"start {job} ".Length..]).ToList();
        Assert.DoesNotContain(startedAfter, storedBeforeKill.Contains);
        Assert.NotEmpty(startedAfter);

        var results = Path.Combine(_f.Dir, "jobs", job, "results.jsonl");
        Assert.Equal(48, File.ReadAllLines(results).Length);
        Assert.Contains("**Status:** Complete: 48 of 48 trials", File.ReadAllText(halfWay));

        // And the results are those of an undisturbed run, byte for byte.
        var run = _f.Start("run", spec, "--out", Path.Combine(_f.Dir, "undisturbed"));
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)));
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(_f.Dir, "undisturbed", "results.jsonl")), ClusterFixture.Sha256(results));
        Assert.False(restarted.HasExited);
    }
}
