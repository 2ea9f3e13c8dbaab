using LeeMl.Sweep.Tests;
using System.Text.Json;
using LeeMl.Sweep.Optim.Hyper;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// A random search with ASHA on UCI Adult: trials pause at their rungs while the job decides in
/// trial-index order, so the results are the bytes of <c>run</c> on a coordinator and two workers,
/// one of which is killed while trials wait at rungs.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class SearchClusterTests(ITestOutputHelper output) : IDisposable
{
    private readonly ClusterFixture _f = new();

    public void Dispose() => _f.Dispose();

    private const string Spec = """
        name: adult-asha
        data: { name: adult }
        models: [{ name: mlp, hidden: { int_uniform: [8, 32] } }]
        epochs: 27
        seeds: [1]
        search: { method: random, samples: 16, seed: 3 }
        early_stopping: { method: asha, grace_epochs: 1, reduction: 3 }
        grid:
          optimizer: [ { name: sgdm, lr: { log_uniform: [0.0001, 0.3] } }, { name: adam, lr: { log_uniform: [0.0001, 0.1] } } ]
        """;

    [Fact]
    public async Task An_asha_search_gives_the_bytes_of_run_on_two_workers_one_killed_while_trials_wait_at_rungs()
    {
        var spec = _f.WriteSpec(Spec);
        var run = _f.Start("run", spec, "--out", Path.Combine(_f.Dir, "run-out"), "--slots", "2");
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)) && run.ExitCode == 0, run.Output);
        var expected = Path.Combine(_f.Dir, "run-out", "results.jsonl");

        int c = LeeMl.Sweep.Tests.FreePorts.Next(), http = LeeMl.Sweep.Tests.FreePorts.Next(), w1 = LeeMl.Sweep.Tests.FreePorts.Next(), w2 = LeeMl.Sweep.Tests.FreePorts.Next();
        int[] seeds = [c, w1];
        _f.Node("coordinator", c, seeds, db: "search.db", http: http);
        var worker1 = _f.Node("worker", w1, seeds, slots: 2);
        var worker2 = _f.Node("worker", w2, seeds, slots: 2);
        using var client = ClusterFixture.Client(http);
        await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(60));
        var submit = _f.Start("submit", spec, "--cluster", $"127.0.0.1:{http}", "--wait", "--out", Path.Combine(_f.Dir, "out"), "--timeout", "30");
        await worker2.WaitFor(_ => ClusterFixture.Logged(worker2, "start").Count() >= 4, TimeSpan.FromSeconds(120), "the second worker training");
        worker2.Kill();
        output.WriteLine($"killed the second worker after it started {ClusterFixture.Logged(worker2, "start").Count()} trial stretches");
        Assert.True(submit.WaitForExit(TimeSpan.FromMinutes(4)), "the search did not finish:\n" + submit.Output);
        Assert.True(submit.ExitCode == 0, submit.Output);
        Assert.Equal(ClusterFixture.Sha256(expected), ClusterFixture.Sha256(Path.Combine(_f.Dir, "out", "results.jsonl")));

        var results = File.ReadAllLines(expected).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(32, results.Count);
        var stopped = results.Count(r => r.GetProperty("outcome").GetString() == "stopped");
        var epochs = results.Sum(r => r.GetProperty("epochs").GetArrayLength());
        output.WriteLine($"{stopped} of 32 trials stopped early; {epochs} epochs trained of {32 * 27}");
        Assert.InRange(stopped, 1, 31);
        Assert.True(epochs < 32 * 27 * 0.6, $"{epochs} epochs trained");
        foreach (var r in results)
        {
            var optimizer = ComponentSpec.Parse(r.GetProperty("optimizer").GetString()!);
            var lr = ((ParamValue.Number)optimizer.Params["lr"]).Value;
            Assert.InRange(lr, 0.0001, optimizer.Name == "sgdm" ? 0.3 : 0.1);
            var hidden = ((ParamValue.Number)ComponentSpec.Parse(r.GetProperty("model").GetString()!).Params["hidden"]).Value;
            Assert.InRange(hidden, 8, 32);
        }
        Assert.Contains("## Search", File.ReadAllText(Path.Combine(_f.Dir, "out", "report.md")));
        Assert.NotEmpty(ClusterFixture.Logged(worker1, "done"));
    }
}
