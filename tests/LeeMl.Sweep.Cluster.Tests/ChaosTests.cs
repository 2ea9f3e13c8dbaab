using System.Text.Json;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Protocol;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// A node killer in the manner of Ray Tune's: during a sweep of 216 trials, worker processes are
/// killed (SIGKILL) at random moments and started again, and the coordinator is killed once; every
/// trial completes and results.jsonl is byte-identical to a run without failures. The schedule is
/// random but seeded, so a failure can be replayed.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ChaosTests(ITestOutputHelper output) : IDisposable
{
    private readonly ClusterFixture _f = new();

    public void Dispose() => _f.Dispose();

    private const string Spec = """
        name: chaos
        data: { synthetic: blobs, samples: 40000, features: 8, seed: 13 }
        validation: 0.2
        models: [{ name: mlp, hidden: 64 }, { name: mlp, hidden: 32 }]
        epochs: 36
        batch_size: 32
        seeds: [1, 2, 3]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 }, { name: nag, lr: 0.05 } ]
          schedule: [ { name: cyclic, step_size_up: 100 }, { name: one-cycle }, { name: cosine } ]
          warmup: [ none, { steps: 50 } ]
          gradient_noise: [ none, { eta: 0.01 } ]
        """;


    [Fact]
    public async Task Random_worker_kills_and_a_coordinator_kill_lose_nothing_and_change_no_byte()
    {
        var spec = _f.WriteSpec(Spec);
        var rng = new Random(20261127);
        int c = NodeProcess.FreePort();
        int[] workerPorts = [NodeProcess.FreePort(), NodeProcess.FreePort(), NodeProcess.FreePort()];
        int[] seeds = [c, workerPorts[0], workerPorts[1]];
        var coordinator = _f.Node("coordinator", c, seeds);
        var workers = workerPorts.Select(p => _f.Node("worker", p, seeds)).ToArray();
        await ClusterFixture.WaitForWorkers(c, 3, TimeSpan.FromSeconds(60));
        var submit = _f.Start("submit", spec, "--cluster", $"127.0.0.1:{c}", "--timeout", "60");
        Assert.True(submit.WaitForExit(TimeSpan.FromSeconds(60)) && submit.ExitCode == 0, submit.Output);
        var job = submit.Lines.First();
        await using var client = SweepClient.Connect($"127.0.0.1:{workerPorts[2]}");   // a gateway that is never killed

        // Two worker kills and one coordinator kill, in a seeded random order, at random moments,
        // each waited out (the dead node removed and a new one started) so that a majority stays up.
        var events = new List<string> { "worker", "worker", "coordinator" }.OrderBy(_ => rng.Next()).ToList();
        var log = new List<string>();
        var start = DateTime.UtcNow;
        foreach (var e in events)
        {
            await Task.Delay(TimeSpan.FromSeconds(2 + 3 * rng.NextDouble()));
            var status = await ClusterFixture.TryStatus(client, job);
            if (status?.State is "done") break;
            if (e == "coordinator")
            {
                coordinator.Kill();
                log.Add($"{(DateTime.UtcNow - start).TotalSeconds:F1} s: killed the coordinator at {status?.Done} done");
                await Task.Delay(TimeSpan.FromSeconds(1 + rng.NextDouble()));
                coordinator = _f.Node("coordinator", c, seeds);
            }
            else
            {
                var i = rng.Next(2);   // workers 0 and 1: the client's gateway (worker 2) stays up
                workers[i].Kill();
                log.Add($"{(DateTime.UtcNow - start).TotalSeconds:F1} s: killed worker {i} at {status?.Done} done");
                await Task.Delay(TimeSpan.FromSeconds(1 + rng.NextDouble()));
                workers[i] = _f.Node("worker", workerPorts[i], seeds);
            }
            // Let the cluster settle (the killed incarnation downed and removed) before the next kill.
            await Task.Delay(TimeSpan.FromSeconds(11));
        }

        JobStatus? final = null;
        var end = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (DateTime.UtcNow < end && final?.State != "done")
        {
            final = await ClusterFixture.TryStatus(client, job) ?? final;
            await Task.Delay(500);
        }
        foreach (var l in log) output.WriteLine(l);
        output.WriteLine($"job {final?.State} after {(DateTime.UtcNow - start).TotalSeconds:F1} s");
        Assert.Equal("done", final?.State);
        Assert.True(log.Count == events.Count, "the job ended before the chaos did");

        var results = Path.Combine(_f.Dir, "jobs", job, "results.jsonl");
        var keys = File.ReadAllLines(results).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("key").GetString()).ToList();
        Assert.Equal(216, keys.Count);
        Assert.Equal(216, keys.Distinct().Count());
        var run = _f.Start("run", spec, "--out", Path.Combine(_f.Dir, "undisturbed"));
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)) && run.ExitCode == 0, run.Output);
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(_f.Dir, "undisturbed", "results.jsonl")), ClusterFixture.Sha256(results));
    }
}
