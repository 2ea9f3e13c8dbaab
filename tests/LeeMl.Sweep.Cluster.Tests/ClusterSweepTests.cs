using System.Text.Json;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// The sweep engine on real OS processes talking Akka.Remote TCP on loopback: a coordinator
/// process and worker processes, a client process that submits, and the in-process `run`.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ClusterSweepTests : IDisposable
{
    private readonly ClusterFixture _f = new();

    public void Dispose() => _f.Dispose();

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(3);

    private string RunInProcess(string spec)
    {
        var outDir = Path.Combine(_f.Dir, "run-out");
        var run = _f.Start("run", spec, "--out", outDir, "--slots", "2");
        Assert.True(run.WaitForExit(Long), "run did not finish");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains($"results: {Path.Combine(outDir, "results.jsonl")}", run.Output);
        return Path.Combine(outDir, "results.jsonl");
    }

    private string SubmitAndWait(string spec, int gatewayPort, string outName)
    {
        var outDir = Path.Combine(_f.Dir, outName);
        var submit = _f.Start("submit", spec, "--cluster", $"127.0.0.1:{gatewayPort}", "--wait", "--out", outDir, "--timeout", "60");
        Assert.True(submit.WaitForExit(Long), "submit --wait did not finish:\n" + submit.Output);
        Assert.True(submit.ExitCode == 0, submit.Output);
        return Path.Combine(outDir, "results.jsonl");
    }

    [Fact]
    public async Task Three_processes_train_every_trial_on_both_workers_byte_identical_to_one_worker_and_to_run()
    {
        var spec = _f.WriteSpec(ClusterFixture.Spec48);
        var runResults = RunInProcess(spec);

        // A coordinator and two workers (1 and 2 slots), each its own process.
        int c = NodeProcess.FreePort(), w1 = NodeProcess.FreePort(), w2 = NodeProcess.FreePort();
        int[] seeds = [c, w1];
        _f.Node("coordinator", c, seeds, db: "two.db");
        var worker1 = _f.Node("worker", w1, seeds, slots: 1);
        var worker2 = _f.Node("worker", w2, seeds, slots: 2);
        await ClusterFixture.WaitForWorkers(c, 2, TimeSpan.FromSeconds(60));
        var twoResults = SubmitAndWait(spec, w1, "two-out");

        var lines = File.ReadAllLines(twoResults);
        Assert.Equal(48, lines.Length);
        Assert.All(lines, l => Assert.Equal("completed", JsonDocument.Parse(l).RootElement.GetProperty("outcome").GetString()));
        var trained1 = worker1.Lines.Count(l => l.StartsWith("done ", StringComparison.Ordinal));
        var trained2 = worker2.Lines.Count(l => l.StartsWith("done ", StringComparison.Ordinal));
        Assert.True(trained1 > 0 && trained2 > 0, $"both workers train: {trained1} and {trained2}");
        Assert.Equal(48, trained1 + trained2);
        foreach (var file in new[] { "report.html", "report.md", "results.csv", "curves.csv", "accuracy-bars.png", "learning-curves.svg" })
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(twoResults)!, file)), $"submit --wait wrote {file}");
        var coordinatorJob = Directory.GetDirectories(Path.Combine(_f.Dir, "jobs")).Single();
        Assert.Contains("Complete: 48 of 48 trials", File.ReadAllText(Path.Combine(coordinatorJob, "report.md")));
        var nodes = File.ReadAllLines(Path.Combine(Path.GetDirectoryName(twoResults)!, "telemetry.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("node").GetString()).Distinct().Count();
        Assert.Equal(2, nodes);
        _f.KillAll();

        // The same spec on a coordinator and one worker.
        int c1 = NodeProcess.FreePort(), w = NodeProcess.FreePort();
        _f.Node("coordinator", c1, [c1, w], db: "one.db");
        _f.Node("worker", w, [c1, w], slots: 2);
        await ClusterFixture.WaitForWorkers(c1, 1, TimeSpan.FromSeconds(60));
        var oneResults = SubmitAndWait(spec, c1, "one-out");

        var hash = ClusterFixture.Sha256(runResults);
        Assert.Equal(hash, ClusterFixture.Sha256(twoResults));
        Assert.Equal(hash, ClusterFixture.Sha256(oneResults));
    }
}
