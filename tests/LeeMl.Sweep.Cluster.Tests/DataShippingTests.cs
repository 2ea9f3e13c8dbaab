using LeeMl.Sweep.Tests;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// Real machines share no disk: a spec's CSV travels with the job from the submitter's folder to
/// workers started elsewhere; a worker that cannot keep the data fails its attempts as node
/// faults, which run again on healthy nodes while it is quarantined; a cluster with only such a
/// worker ends the job failed, visibly; a spec over the network never makes a worker open a path.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class DataShippingTests(ITestOutputHelper output) : IDisposable
{
    private readonly ClusterFixture _f = new();

    public void Dispose() => _f.Dispose();

    private static string Csv(int seed, int rows)
    {
        var rng = new Random(seed);
        var lines = new List<string> { "x1,x2,colour,label" };
        for (var i = 0; i < rows; i++)
        {
            var y = rng.Next(2);
            lines.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{y + rng.NextDouble() * 1.5:F4},{-y + rng.NextDouble() * 1.5:F4},{(rng.Next(3) == 0 ? "red" : "blue")},{(y == 1 ? "yes" : "no")}"));
        }
        return string.Join('\n', lines) + "\n";
    }

    private static string Spec(string name, string csv, int seeds, int epochs, int hidden = 16) => $$"""
        name: {{name}}
        data: { csv: {{csv}}, label: label }
        validation: 0.2
        models: [logistic, { name: mlp, hidden: {{hidden}} }, gaussian-shared]
        epochs: {{epochs}}
        seeds: [{{string.Join(", ", Enumerable.Range(1, seeds))}}]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.01 } ]
        """;

    [Fact]
    public async Task A_csv_travels_with_the_job_a_broken_worker_is_quarantined_and_retried_around_and_a_cluster_of_broken_workers_fails_visibly()
    {
        var submitter = Path.Combine(_f.Dir, "submitter");
        Directory.CreateDirectory(submitter);
        File.WriteAllText(Path.Combine(submitter, "train.csv"), Csv(1, 3000));
        File.WriteAllText(Path.Combine(submitter, "second.csv"), Csv(2, 6000));
        File.WriteAllText(Path.Combine(submitter, "third.csv"), Csv(3, 600));
        File.WriteAllText(Path.Combine(submitter, "one.yaml"), Spec("shipped", "train.csv", 2, 20));
        File.WriteAllText(Path.Combine(submitter, "two.yaml"), Spec("quarantine", "second.csv", 6, 1000, hidden: 64));
        File.WriteAllText(Path.Combine(submitter, "three.yaml"), Spec("all-broken", "third.csv", 1, 5).Replace("models: [logistic, { name: mlp, hidden: 16 }, gaussian-shared]", "models: [logistic]", StringComparison.Ordinal)
            .Replace("optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.01 } ]", "optimizer: [ { name: sgdm, lr: 0.05 } ]", StringComparison.Ordinal));
        foreach (var (spec, name) in new[] { ("one.yaml", "run-one"), ("two.yaml", "run-two") })
        {
            var run = _f.StartAt(submitter, [], "run", spec, "--out", Path.Combine(_f.Dir, name));
            Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)) && run.ExitCode == 0, run.Output);
        }

        // A coordinator and two workers, each in a folder of its own with no data folder.
        int c = LeeMl.Sweep.Tests.FreePorts.Next(), http = LeeMl.Sweep.Tests.FreePorts.Next(), w1 = LeeMl.Sweep.Tests.FreePorts.Next(), w2 = LeeMl.Sweep.Tests.FreePorts.Next(), w3 = LeeMl.Sweep.Tests.FreePorts.Next();
        int[] seeds = [c, w1, w2];
        _f.NodeAt(Path.Combine(_f.Dir, "coordinator"), "coordinator", c, seeds, http: http);
        var worker1 = _f.NodeAt(Path.Combine(_f.Dir, "w1"), "worker", w1, seeds, slots: 1);
        var worker2 = _f.NodeAt(Path.Combine(_f.Dir, "w2"), "worker", w2, seeds, slots: 1);
        using var client = ClusterFixture.Client(http);
        await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(90));
        string Submit(string spec, string outName, out CliProcess process)
        {
            process = _f.StartAt(submitter, [], "submit", spec, "--cluster", $"127.0.0.1:{http}", "--wait", "--out", Path.Combine(_f.Dir, outName));
            return Path.Combine(_f.Dir, outName, "results.jsonl");
        }

        // 1. The CSV exists only in the submitter's folder: it is shipped, every trial completes, the bytes are run's.
        var one = Submit("one.yaml", "one", out var submitOne);
        Assert.True(submitOne.WaitForExit(TimeSpan.FromMinutes(3)) && submitOne.ExitCode == 0, submitOne.Output);
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(_f.Dir, "run-one", "results.jsonl")), ClusterFixture.Sha256(one));
        Assert.NotEmpty(ClusterFixture.Logged(worker1, "done"));
        Assert.NotEmpty(ClusterFixture.Logged(worker2, "done"));
        Assert.False(File.Exists(Path.Combine(_f.Dir, "w1", "train.csv")));

        // 2. A third worker whose cache cannot be written: its attempts are node faults, retried on the healthy workers; it is quarantined.
        var blocker = Path.Combine(_f.Dir, "a-file");
        File.WriteAllText(blocker, "not a folder");
        var broken = _f.NodeAt(Path.Combine(_f.Dir, "w3"), "worker", w3, seeds, 2, "coord.db", null, "--cache-dir", Path.Combine(blocker, "cache"));
        await ClusterFixture.WaitForWorkers(client, 3, TimeSpan.FromSeconds(90));
        var two = Submit("two.yaml", "two", out var submitTwo);
        await submitTwo.WaitFor(o => o.Contains("quarantine-", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the job id");
        var job = submitTwo.Lines.First(l => l.StartsWith("quarantine-", StringComparison.Ordinal));
        // The API is polled cheaply until the quarantine shows; then the command shows it too (the
        // job runs long enough that its first quarantine outlasts a command's start-up).
        var seen = false;
        for (var i = 0; i < 1200 && !seen; i++)
        {
            var view = await client.Job(job);
            seen = view is not null && view.Quarantined.Any(q => q.Node == $"127.0.0.1:{w3}");
            if (!seen) await Task.Delay(100);
            else output.WriteLine($"quarantine seen at {view!.Done}/{view.Trials} after {view.ElapsedSeconds:F1} s");
        }
        Assert.True(seen, "the broken worker was never shown as quarantined");
        string? quarantineJson = null;
        for (var i = 0; i < 5 && quarantineJson is null; i++)
        {
            var status = _f.Start("status", job, "--cluster", $"127.0.0.1:{http}", "--json");
            status.WaitForExit(TimeSpan.FromSeconds(30));
            if (status.Output.Contains($"\"node\":\"127.0.0.1:{w3}\"", StringComparison.Ordinal)) quarantineJson = status.Output;
        }
        Assert.NotNull(quarantineJson);
        output.WriteLine("status --json while quarantined: " + quarantineJson.Trim());
        Assert.Contains("node faults in a row", quarantineJson);
        Assert.True(submitTwo.WaitForExit(TimeSpan.FromMinutes(3)), submitTwo.Output);
        Assert.True(submitTwo.ExitCode == 0, submitTwo.Output);
        output.WriteLine($"job two took {(await client.Job(job))!.ElapsedSeconds:F1} s");
        Assert.All(File.ReadAllLines(two), l => Assert.Equal("completed", JsonDocument.Parse(l).RootElement.GetProperty("outcome").GetString()));
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(_f.Dir, "run-two", "results.jsonl")), ClusterFixture.Sha256(two));
        var reportTwo = File.ReadAllText(Path.Combine(_f.Dir, "two", "report.md"));
        Assert.Contains("## Failures", reportTwo);
        Assert.Contains($"127.0.0.1:{w3}", reportTwo);
        Assert.Contains("node fault; retried", reportTwo);

        // 3. Only the broken worker is left: the job ends failed after its attempts, and says so everywhere.
        worker1.Terminate();
        worker2.Terminate();
        Assert.True(worker1.WaitForExit(TimeSpan.FromSeconds(30)) && worker2.WaitForExit(TimeSpan.FromSeconds(30)));
        var three = Submit("three.yaml", "three", out var submitThree);
        Assert.True(submitThree.WaitForExit(TimeSpan.FromMinutes(3)), submitThree.Output);
        output.WriteLine(submitThree.Lines.Last());
        Assert.Equal(1, submitThree.ExitCode);
        Assert.Matches(@"all-broken-\S+ failed: 1 of 1 trials failed; most often: .*cache", submitThree.Output);
        var md = File.ReadAllText(Path.Combine(_f.Dir, "three", "report.md"));
        Assert.Contains("Complete with failures", md);
        Assert.Contains("## Failures", md);
        Assert.Contains("class=\"status failed\"", File.ReadAllText(Path.Combine(_f.Dir, "three", "report.html")));
        Assert.Contains(",failed,", File.ReadAllText(Path.Combine(_f.Dir, "three", "results.csv")));

        // 4. A spec that came over the network names paths; workers read only shipped bytes, by hash.
        using var http1 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}") };
        var raw = Spec("raw", "/etc/passwd", 1, 2);
        var refused = await http1.PostAsJsonAsync("/api/jobs", new { spec = raw, file = "raw.yaml", data = Array.Empty<object>() });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("the data file '/etc/passwd' was not shipped with the job", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        var good = File.ReadAllBytes(Path.Combine(submitter, "third.csv"));
        var sha = Convert.ToHexStringLower(SHA256.HashData(good));
        var put = await http1.PutAsync($"/api/blobs/{sha}", new ByteArrayContent(good));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var named = await http1.PostAsJsonAsync("/api/jobs", new { spec = Spec("named", "/nonexistent/elsewhere.csv", 1, 2), file = "named.yaml", data = new[] { new { path = "/nonexistent/elsewhere.csv", sha256 = sha, size = good.Length } } });
        Assert.True(named.IsSuccessStatusCode, await named.Content.ReadAsStringAsync());
        var tampered = await http1.PutAsync($"/api/blobs/{new string('0', 64)}", new ByteArrayContent(good));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, tampered.StatusCode);   // bytes that are not what their hash says are refused
    }
}
