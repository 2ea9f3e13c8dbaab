using System.Diagnostics;
using System.Text.Json;
using LeeMl.Sweep.Tests;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// A rolling update: every node of a cluster of two coordinators (PostgreSQL) and two workers is
/// stopped with SIGTERM and started again, one after the other, while a 300-trial job runs. Nothing
/// may be lost or repeated in the results: they are the bytes of <c>run</c>, and no trial failed.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class RollingRestartTests(ITestOutputHelper output) : IDisposable
{
    private readonly ClusterFixture _f = new();
    private PostgresServer? _postgres;

    public void Dispose()
    {
        _f.Dispose();
        _postgres?.Dispose();
    }

    private static string Spec => $$"""
        name: rolling
        data: { synthetic: blobs, samples: 2000, features: 8, seed: 5 }
        models: [{ name: mlp, hidden: 32 }]
        epochs: 400
        seeds: [{{string.Join(", ", Enumerable.Range(1, 50))}}]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 }, { name: nag, lr: 0.05 } ]
          warmup: [ none, { steps: 50 } ]
        """;

    [Fact]
    public async Task Every_node_restarted_one_after_the_other_during_a_job_loses_nothing_and_the_results_are_those_of_run()
    {
        var spec = _f.WriteSpec(Spec, "rolling.yaml");
        var clock = Stopwatch.StartNew();
        var run = _f.Start("run", spec, "--out", Path.Combine(_f.Dir, "run-out"), "--slots", "2");
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(4)) && run.ExitCode == 0, run.Output);
        output.WriteLine($"run, one process with 2 slots: {clock.Elapsed.TotalSeconds:F1} s");

        _postgres = new PostgresServer();
        _f.Environment["LEEML_DB_PASSWORD"] = PostgresServer.Password;
        var db = _postgres.NewDatabase();
        int[] coordinators = [FreePorts.Next(), FreePorts.Next()];
        int[] http = [FreePorts.Next(), FreePorts.Next()];
        int[] workers = [FreePorts.Next(), FreePorts.Next()];
        int[] seeds = [coordinators[0], coordinators[1]];
        // How each node is started, again and again: the same ports, store, folders.
        var start = new Func<CliProcess>[]
        {
            () => _f.Node("worker", workers[0], seeds, slots: 1),
            () => _f.Node("worker", workers[1], seeds, slots: 1),
            () => _f.Node("coordinator", coordinators[0], seeds, db: db, http: http[0]),
            () => _f.Node("coordinator", coordinators[1], seeds, db: db, http: http[1]),
        };
        var nodes = new CliProcess[4];
        nodes[2] = start[2]();
        await nodes[2].WaitFor(o => o.Contains("joined the cluster", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the first coordinator's join");
        nodes[3] = start[3]();
        nodes[0] = start[0]();
        nodes[1] = start[1]();
        using (var client = ClusterFixture.Client(http))
            await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(60));

        clock.Restart();
        var outDir = Path.Combine(_f.Dir, "rolling-out");
        var submit = _f.Start("submit", spec, "--cluster", string.Join(",", http.Select(p => $"127.0.0.1:{p}")), "--wait", "--out", outDir);
        await submit.WaitFor(o => o.Contains("running", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the job running");
        foreach (var i in new[] { 0, 1, 2, 3 })
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(submit.WaitForExit(TimeSpan.Zero), $"the job ended before node {i} was restarted: make its trials longer\n{submit.Output}");
            nodes[i].Terminate();
            Assert.True(nodes[i].WaitForExit(TimeSpan.FromSeconds(30)), $"node {i} did not stop on SIGTERM:\n{nodes[i].Output}");
            nodes[i] = start[i]();
            await nodes[i].WaitFor(o => o.Contains("joined the cluster", StringComparison.Ordinal), TimeSpan.FromSeconds(60), $"node {i} joining again");
            output.WriteLine($"node {i} restarted at {clock.Elapsed.TotalSeconds:F1} s");
        }
        Assert.True(submit.WaitForExit(TimeSpan.FromMinutes(5)), "the job did not finish:\n" + submit.Output);
        Assert.True(submit.ExitCode == 0, submit.Output);
        output.WriteLine($"the job on the cluster, every node restarted once: {clock.Elapsed.TotalSeconds:F1} s");

        var results = Path.Combine(outDir, "results.jsonl");
        Assert.All(File.ReadAllLines(results), l => Assert.Equal("completed", JsonDocument.Parse(l).RootElement.GetProperty("outcome").GetString()));
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(_f.Dir, "run-out", "results.jsonl")), ClusterFixture.Sha256(results));
    }
}
