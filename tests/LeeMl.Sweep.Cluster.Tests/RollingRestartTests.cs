using System.Diagnostics;
using LeeMl.Sweep.Tests;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// A rolling update: every node of a cluster of two coordinators (PostgreSQL) and two workers is
/// stopped with SIGTERM and started again, one after the other, while a 300-trial job runs. Nothing
/// may be lost or repeated in the results: they are the bytes of <c>run</c>, and no trial failed.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class RollingRestartTests(ITestOutputHelper output) : PostgresScenario
{
    private static string Spec => $$"""
        name: rolling
        data: { synthetic: blobs, samples: 2000, features: 8, seed: 5 }
        models: [{ name: mlp, hidden: 32 }]
        epochs: 500
        seeds: [{{string.Join(", ", Enumerable.Range(1, 50))}}]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 }, { name: nag, lr: 0.05 } ]
          warmup: [ none, { steps: 50 } ]
        """;

    [Fact]
    public async Task Every_node_restarted_one_after_the_other_during_a_job_loses_nothing_and_the_results_are_those_of_run()
    {
        var clock = Stopwatch.StartNew();
        var (spec, reference) = RunInOneProcess(Spec, "rolling");
        var db = NewStore();
        int[] coordinators = [FreePorts.Next(), FreePorts.Next()];
        int[] http = [FreePorts.Next(), FreePorts.Next()];
        int[] seeds = [coordinators[0], coordinators[1]];
        // How each node is started, again and again: coordinators on the same ports (they are the seed
        // nodes), store and folders; a worker comes back as a new pod would, on an address of its own.
        var start = new Func<CliProcess>[]
        {
            () => F.Node("worker", FreePorts.Next(), seeds, slots: 1),
            () => F.Node("worker", FreePorts.Next(), seeds, slots: 1),
            () => F.Node("coordinator", coordinators[0], seeds, db: db, http: http[0]),
            () => F.Node("coordinator", coordinators[1], seeds, db: db, http: http[1]),
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
        var (submit, results) = await SubmitRunning(spec, http, "rolling-out");
        await Task.Delay(TimeSpan.FromSeconds(1));
        foreach (var i in new[] { 0, 1, 2, 3 })
        {
            Assert.False(submit.WaitForExit(TimeSpan.Zero), $"the job ended before node {i} was restarted: make its trials longer\n{submit.Output}");
            nodes[i].Terminate();
            Assert.True(nodes[i].WaitForExit(TimeSpan.FromSeconds(30)), $"node {i} did not stop on SIGTERM:\n{nodes[i].Output}");
            nodes[i] = start[i]();
            await nodes[i].WaitFor(o => o.Contains("joined the cluster", StringComparison.Ordinal), TimeSpan.FromSeconds(60), $"node {i} joining again");
            output.WriteLine($"node {i} restarted at {clock.Elapsed.TotalSeconds:F1} s");
        }
        SameAsRun(submit, results, reference);
        output.WriteLine($"the job on the cluster, every node restarted once: {clock.Elapsed.TotalSeconds:F1} s");
    }
}
