using LeeMl.Sweep.Tests;
using System.Text.Json;
using LeeMl.Sweep.Optim.Hyper;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// A random search with ASHA on UCI Adult, run in one process and on a coordinator with two
/// workers, the second killed (SIGKILL) while it trains a trial past its first rung: done once for
/// the tests of <see cref="SearchClusterTests"/>.
/// </summary>
public sealed class SearchCluster : ScenarioCluster
{
    internal string Expected => Path.Combine(F.Dir, "run-out", "results.jsonl");
    internal string Out => Path.Combine(F.Dir, "out");
    internal CliProcess Submit { get; private set; } = null!;
    internal int W1 { get; } = FreePorts.Next();
    internal string Killed { get; private set; } = "";

    private const string Spec = """
        name: adult-asha
        data: { name: adult }
        models: [{ name: mlp, hidden: { int_uniform: [8, 32] } }]
        epochs: 27
        seeds: [1]
        search: { method: random, samples: 10, seed: 3 }
        early_stopping: { method: asha, grace_epochs: 1, reduction: 3 }
        grid:
          optimizer: [ { name: sgdm, lr: { log_uniform: [0.0001, 0.3] } }, { name: adam, lr: { log_uniform: [0.0001, 0.1] } } ]
        """;

    public override async Task InitializeAsync()
    {
        var spec = F.WriteSpec(Spec);
        var run = F.Start("run", spec, "--out", Path.Combine(F.Dir, "run-out"), "--slots", "2");   // the reference, beside the cluster's start
        int c = FreePorts.Next(), http = FreePorts.Next(), w2 = FreePorts.Next();
        int[] seeds = [c, W1];
        F.Node("coordinator", c, seeds, db: "search.db", http: http);
        F.Node("worker", W1, seeds, slots: 2);
        var worker2 = F.Node("worker", w2, seeds, slots: 2);
        using var client = ClusterFixture.Client(http);
        await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(60));
        Submit = F.Start("submit", spec, "--cluster", $"127.0.0.1:{http}", "--wait", "--out", Out, "--timeout", "30");
        await Submit.WaitFor(o => o.Contains("adult-asha-", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the job id");
        var job = Submit.Lines.First(l => l.StartsWith("adult-asha-", StringComparison.Ordinal));
        // Killed while it trains a trial past its first rung: trials are then waiting at rungs and resuming.
        await ClusterFixture.Until(async () => (await ClusterFixture.Running(job, http)).Any(t => t.Node == $"127.0.0.1:{w2}" && t.Epoch > 1), TimeSpan.FromSeconds(120), "the second worker training past a rung");
        worker2.Kill();
        Killed = $"killed the second worker with {(await client.Job(job))!.Done} of 20 results stored";
        Assert.True(Submit.WaitForExit(TimeSpan.FromMinutes(4)), "the search did not finish:\n" + Submit.Output);
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)) && run.ExitCode == 0, run.Output);
    }

}

/// <summary>
/// ASHA pauses trials at their rungs while the job decides in trial-index order, so a search on a
/// cluster that loses a worker gives the bytes of <c>run</c>; the search itself stops trials early
/// and draws within its distributions.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class SearchClusterTests(SearchCluster cluster, ITestOutputHelper output) : IClassFixture<SearchCluster>
{
    private List<JsonElement> Results => [.. File.ReadAllLines(cluster.Expected).Select(l => JsonDocument.Parse(l).RootElement)];

    [Fact]
    public void An_asha_search_gives_the_bytes_of_run_on_two_workers_one_killed_while_trials_wait_at_rungs()
    {
        output.WriteLine(cluster.Killed);
        Assert.True(cluster.Submit.ExitCode == 0, cluster.Submit.Output);
        Assert.Equal(ClusterFixture.Sha256(cluster.Expected), ClusterFixture.Sha256(Path.Combine(cluster.Out, "results.jsonl")));
        Assert.Contains($"127.0.0.1:{cluster.W1}", ClusterFixture.TrainedPerNode(Path.Combine(cluster.Out, "telemetry.jsonl")).Keys);
    }

    [Fact]
    public void Asha_stops_some_trials_early_and_trains_far_fewer_epochs_than_the_grid()
    {
        var results = Results;
        Assert.Equal(20, results.Count);
        var stopped = results.Count(r => r.GetProperty("outcome").GetString() == "stopped");
        var epochs = results.Sum(r => r.GetProperty("epochs").GetArrayLength());
        output.WriteLine($"{stopped} of 20 trials stopped early; {epochs} epochs trained of {20 * 27}");
        Assert.InRange(stopped, 1, 19);
        Assert.True(epochs < 20 * 27 * 0.6, $"{epochs} epochs trained");
    }

    [Fact]
    public void The_drawn_values_lie_in_their_distributions_and_the_report_has_a_search_section()
    {
        foreach (var r in Results)
        {
            var optimizer = ComponentSpec.Parse(r.GetProperty("optimizer").GetString()!);
            var lr = ((ParamValue.Number)optimizer.Params["lr"]).Value;
            Assert.InRange(lr, 0.0001, optimizer.Name == "sgdm" ? 0.3 : 0.1);
            var hidden = ((ParamValue.Number)ComponentSpec.Parse(r.GetProperty("model").GetString()!).Params["hidden"]).Value;
            Assert.InRange(hidden, 8, 32);
        }
        Assert.Contains("## Search", File.ReadAllText(Path.Combine(cluster.Out, "report.md")));
    }
}
