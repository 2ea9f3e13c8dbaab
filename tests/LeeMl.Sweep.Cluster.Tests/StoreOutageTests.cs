using System.Diagnostics;
using LeeMl.Sweep.Tests;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// PostgreSQL goes away for 30 s while a job runs on two coordinators and two workers: every node
/// stays up, the job completes with the bytes of <c>run</c>, each node says so in a few log
/// lines rather than one a second, and the coordinators' metrics count the store's errors.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class StoreOutageTests(ITestOutputHelper output) : PostgresScenario
{
    private static string Spec => $$"""
        name: outage
        data: { synthetic: blobs, samples: 2000, features: 8, seed: 9 }
        models: [{ name: mlp, hidden: 32 }]
        epochs: 600
        seeds: [{{string.Join(", ", Enumerable.Range(1, 20))}}]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
        """;

    /// <summary>Warnings and errors in a node's output from <paramref name="from"/> on.</summary>
    private static List<string> Complaints(string log, int from) =>
        [.. log[Math.Min(from, log.Length)..].Split('\n').Where(l => l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal))];

    [Fact]
    public async Task A_30_s_database_outage_during_a_job_loses_nothing_stops_no_node_and_is_told_in_a_few_lines()
    {
        var (spec, reference) = RunInOneProcess(Spec, "outage");
        var db = NewStore();
        int[] coordinators = [FreePorts.Next(), FreePorts.Next()];
        int[] http = [FreePorts.Next(), FreePorts.Next()];
        var nodes = new List<CliProcess>
        {
            F.Node("coordinator", coordinators[0], coordinators, db: db, http: http[0]),
        };
        await nodes[0].WaitFor(o => o.Contains("joined the cluster", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the first coordinator's join");
        nodes.Add(F.Node("coordinator", coordinators[1], coordinators, db: db, http: http[1]));
        nodes.Add(F.Node("worker", FreePorts.Next(), coordinators, slots: 1));
        nodes.Add(F.Node("worker", FreePorts.Next(), coordinators, slots: 1));
        using (var client = ClusterFixture.Client(http))
            await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(60));

        var clock = Stopwatch.StartNew();
        var (submit, results) = await SubmitRunning(spec, http, "outage-out");
        // The outage begins once results are being stored, in the middle of the job.
        using (var client = ClusterFixture.Client(http))
            await ClusterFixture.Until(async () => (await client.Status()).Jobs.FirstOrDefault()?.Done >= 2, TimeSpan.FromSeconds(60), "the job's first results");
        Assert.False(submit.WaitForExit(TimeSpan.Zero), "the job ended before the outage: make its trials longer");
        var before = nodes.Select(n => n.Output.Length).ToList();
        Postgres.Stop();
        output.WriteLine($"the store stopped at {clock.Elapsed.TotalSeconds:F1} s");
        await Task.Delay(TimeSpan.FromSeconds(30));
        Assert.All(nodes, n => Assert.False(n.WaitForExit(TimeSpan.Zero), "a node stopped during the outage:\n" + n.Output));
        Postgres.Start();
        output.WriteLine($"the store is back at {clock.Elapsed.TotalSeconds:F1} s");

        SameAsRun(submit, results, reference);
        output.WriteLine($"the job finished at {clock.Elapsed.TotalSeconds:F1} s");
        Assert.All(nodes, n => Assert.False(n.WaitForExit(TimeSpan.Zero), "a node stopped:\n" + n.Output));
        foreach (var (n, from) in nodes.Zip(before))
        {
            var said = Complaints(n.Output, from);
            output.WriteLine($"{said.Count} warnings or errors from the outage on:\n{string.Join('\n', said)}");
            // Each part of a node that uses the store (commits, the dispatcher, the API, reports, metrics) says it once, not every second.
            Assert.True(said.Count <= 6, $"a node told of the outage in {said.Count} lines:\n{string.Join('\n', said)}");
        }
        using var scrape = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var errors = 0.0;
        foreach (var port in http)
            errors += (await scrape.GetStringAsync($"http://127.0.0.1:{port}/metrics")).Split('\n')
                .Where(l => l.StartsWith("leeml_store_errors_total{", StringComparison.Ordinal))
                .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(errors >= 1, "the outage does not show in the coordinators' metrics");
    }
}
