using LeeMl.Sweep.Tests;
using System.Text.Json;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// The sweep engine on real OS processes talking Akka.Remote TCP on loopback: a coordinator
/// process and worker processes, clients in processes of their own, and the in-process run.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ClusterSweepTests(ITestOutputHelper output) : IDisposable
{
    private readonly ClusterFixture _f = new();

    public void Dispose() => _f.Dispose();

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(3);

    /// <summary>48 quick trials: 2 models × 2 optimizers × 2 schedules × 2 warm-ups × 3 seeds.</summary>
    private const string Spec48 = """
        name: cluster-test
        data: { synthetic: blobs, samples: 1500, features: 8, seed: 3 }
        validation: 0.2
        models: [logistic, { name: mlp, hidden: 32 }]
        epochs: 15
        batch_size: 32
        seeds: [1, 2, 3]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
          schedule: [ { name: cyclic, step_size_up: 100 }, { name: one-cycle } ]
          warmup: [ none, { steps: 50 } ]
        """;

    /// <summary>One trial of 100,000 epochs on 24 rows (one step an epoch): its curve is far longer than one message may be.</summary>
    private const string LongCurve = """
        name: long-curve
        data: { synthetic: blobs, samples: 40, features: 2, seed: 1, test_fraction: 0.25 }
        validation: 0.2
        models: [logistic]
        epochs: 100000
        batch_size: 24
        seeds: [1]
        grid:
          optimizer: [ { name: sgd, lr: 0.01 } ]
        """;

    private string RunInProcess(string spec, string name)
    {
        var outDir = Path.Combine(_f.Dir, name);
        var run = _f.Start("run", spec, "--out", outDir, "--slots", "2");
        Assert.True(run.WaitForExit(Long), "run did not finish");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains($"results: {Path.Combine(outDir, "results.jsonl")}", run.Output);
        return Path.Combine(outDir, "results.jsonl");
    }

    private string SubmitAndWait(string spec, int http, string outName)
    {
        var outDir = Path.Combine(_f.Dir, outName);
        var submit = _f.Start("submit", spec, "--cluster", $"127.0.0.1:{http}", "--wait", "--out", outDir);
        Assert.True(submit.WaitForExit(Long), "submit --wait did not finish:\n" + submit.Output);
        Assert.True(submit.ExitCode == 0, submit.Output);
        return Path.Combine(outDir, "results.jsonl");
    }

    private static void AssertQuiet(CliProcess node, string who) =>
        Assert.False(node.Lines.Any(l => l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal)),
            $"{who} logged a warning or worse:\n{node.Output}");

    [Fact]
    public async Task Three_processes_train_every_trial_on_both_workers_byte_identical_to_one_worker_and_to_run_and_a_100000_epoch_trial_is_stored_once()
    {
        var spec = _f.WriteSpec(Spec48);
        var runResults = RunInProcess(spec, "run-out");

        // A coordinator and two workers (1 and 2 slots), each its own process, started one after another.
        int c = LeeMl.Sweep.Tests.FreePorts.Next(), http = LeeMl.Sweep.Tests.FreePorts.Next(), w1 = LeeMl.Sweep.Tests.FreePorts.Next(), w2 = LeeMl.Sweep.Tests.FreePorts.Next();
        int[] seeds = [c, w1];
        var coordinator = _f.Node("coordinator", c, seeds, db: "two.db", http: http);
        await coordinator.WaitFor(o => o.Contains("joined the cluster", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the coordinator's join");
        var worker1 = _f.Node("worker", w1, seeds, slots: 1);
        var worker2 = _f.Node("worker", w2, seeds, slots: 2);
        using var client = ClusterFixture.Client(http);
        await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(60));
        Assert.Contains($"joined the cluster at akka.tcp://leeml-sweep@127.0.0.1:{c} as coordinator; dashboard and HTTP API on http://127.0.0.1:{http}/", coordinator.Output);
        Assert.Contains($"joined the cluster at akka.tcp://leeml-sweep@127.0.0.1:{w2} as worker with 2 slots", worker2.Output);
        // A normal start and join logs nothing at warning or above.
        AssertQuiet(coordinator, "the coordinator");
        AssertQuiet(worker1, "a worker");
        var twoResults = SubmitAndWait(spec, http, "two-out");

        var lines = File.ReadAllLines(twoResults);
        Assert.Equal(48, lines.Length);
        Assert.All(lines, l => Assert.Equal("completed", JsonDocument.Parse(l).RootElement.GetProperty("outcome").GetString()));
        var trained1 = ClusterFixture.Logged(worker1, "done").Count();
        var trained2 = ClusterFixture.Logged(worker2, "done").Count();
        Assert.True(trained1 > 0 && trained2 > 0, $"both workers train: {trained1} and {trained2}");
        Assert.Equal(48, trained1 + trained2);
        foreach (var file in new[] { "report.html", "report.md", "results.csv", "curves.csv", "accuracy-bars.png", "learning-curves.svg" })
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(twoResults)!, file)), $"submit --wait wrote {file}");
        var coordinatorJob = Directory.GetDirectories(Path.Combine(_f.Dir, $"jobs-{c}")).Single();
        Assert.Contains("Complete: 48 of 48 trials", File.ReadAllText(Path.Combine(coordinatorJob, "report.md")));
        var nodes = File.ReadAllLines(Path.Combine(Path.GetDirectoryName(twoResults)!, "telemetry.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("node").GetString()).Distinct().Count();
        Assert.Equal(2, nodes);

        // A trial of 100,000 epochs: its curve goes to the store in chunks, and it is trained once.
        var longSpec = _f.WriteSpec(LongCurve, "long.yaml");
        var longResults = SubmitAndWait(longSpec, http, "long-out");
        var line = Assert.Single(File.ReadAllLines(longResults));
        Assert.Equal(100_000, JsonDocument.Parse(line).RootElement.GetProperty("epochs").GetArrayLength());
        var starts = ClusterFixture.Logged(worker1, "start").Concat(ClusterFixture.Logged(worker2, "start")).Count(s => s.Text.StartsWith("long-curve-", StringComparison.Ordinal));
        Assert.Equal(1, starts);
        output.WriteLine($"100,000-epoch result: {new FileInfo(longResults).Length / 1e6:F1} MB in results.jsonl, trained once");
        _f.KillAll();

        // The same spec on a coordinator and one worker.
        int c1 = LeeMl.Sweep.Tests.FreePorts.Next(), http1 = LeeMl.Sweep.Tests.FreePorts.Next(), w = LeeMl.Sweep.Tests.FreePorts.Next();
        _f.Node("coordinator", c1, [c1, w], db: "one.db", http: http1);
        _f.Node("worker", w, [c1, w], slots: 2);
        using var client1 = ClusterFixture.Client(http1);
        await ClusterFixture.WaitForWorkers(client1, 1, TimeSpan.FromSeconds(60));
        var oneResults = SubmitAndWait(spec, http1, "one-out");

        var hash = ClusterFixture.Sha256(runResults);
        Assert.Equal(hash, ClusterFixture.Sha256(twoResults));
        Assert.Equal(hash, ClusterFixture.Sha256(oneResults));
    }
}
