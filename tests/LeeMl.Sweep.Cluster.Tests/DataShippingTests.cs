using LeeMl.Sweep.Tests;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// A submitter's folder with three CSV files and specs, their in-process runs, and a coordinator
/// with two workers, each in a folder of its own with no data folder: started once for the steps
/// of <see cref="DataShippingTests"/>. A third worker whose cache cannot be written joins on first need.
/// </summary>
public sealed class DataShippingCluster : ScenarioCluster
{
    internal string Submitter => Path.Combine(F.Dir, "submitter");
    public int Coordinator { get; } = FreePorts.Next();
    public int Http { get; } = FreePorts.Next();
    public int W1 { get; } = FreePorts.Next();
    public int W2 { get; } = FreePorts.Next();
    public int W3 { get; } = FreePorts.Next();
    internal CliProcess Worker1 { get; private set; } = null!;
    internal CliProcess Worker2 { get; private set; } = null!;
    private CliProcess? _broken;

    /// <summary>The job that ended failed on the broken worker alone (step 3); step 5 retries it on a healthy one.</summary>
    internal string? FailedJob { get; set; }

    internal static string Csv(int seed, int rows)
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

    internal static string Spec(string name, string csv, int seeds, int epochs, int hidden = 16) => $$"""
        name: {{name}}
        data: { csv: {{csv}}, label: label }
        validation: 0.2
        models: [logistic, { name: mlp, hidden: {{hidden}} }, gaussian-shared]
        epochs: {{epochs}}
        seeds: [{{string.Join(", ", Enumerable.Range(1, seeds))}}]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.01 } ]
        """;

    public override async Task InitializeAsync()
    {
        Directory.CreateDirectory(Submitter);
        File.WriteAllText(Path.Combine(Submitter, "train.csv"), Csv(1, 3000));
        File.WriteAllText(Path.Combine(Submitter, "second.csv"), Csv(2, 6000));
        File.WriteAllText(Path.Combine(Submitter, "third.csv"), Csv(3, 600));
        File.WriteAllText(Path.Combine(Submitter, "one.yaml"), Spec("shipped", "train.csv", 2, 20));
        File.WriteAllText(Path.Combine(Submitter, "two.yaml"), Spec("quarantine", "second.csv", 6, 1000, hidden: 64));
        File.WriteAllText(Path.Combine(Submitter, "three.yaml"), Spec("all-broken", "third.csv", 1, 5).Replace("models: [logistic, { name: mlp, hidden: 16 }, gaussian-shared]", "models: [logistic]", StringComparison.Ordinal)
            .Replace("optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.01 } ]", "optimizer: [ { name: sgdm, lr: 0.05 } ]", StringComparison.Ordinal));
        foreach (var (spec, name) in new[] { ("one.yaml", "run-one"), ("two.yaml", "run-two") })
        {
            var run = F.StartAt(Submitter, [], "run", spec, "--out", Path.Combine(F.Dir, name));
            Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)) && run.ExitCode == 0, run.Output);
        }
        int[] seeds = [Coordinator, W1, W2];
        F.NodeAt(Path.Combine(F.Dir, "coordinator"), "coordinator", Coordinator, seeds, http: Http);
        Worker1 = F.NodeAt(Path.Combine(F.Dir, "w1"), "worker", W1, seeds, slots: 1);
        Worker2 = F.NodeAt(Path.Combine(F.Dir, "w2"), "worker", W2, seeds, slots: 1);
        using var client = ClusterFixture.Client(Http);
        await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(90));
    }


    /// <summary>The third worker, whose cache cannot be written (started once, registered).</summary>
    internal async Task<CliProcess> Broken()
    {
        if (_broken is not null) return _broken;
        var blocker = Path.Combine(F.Dir, "a-file");
        File.WriteAllText(blocker, "not a folder");
        _broken = F.NodeAt(Path.Combine(F.Dir, "w3"), "worker", W3, [Coordinator, W1, W2], 2, "coord.db", null, "--cache-dir", Path.Combine(blocker, "cache"));
        using var client = ClusterFixture.Client(Http);
        await ClusterFixture.WaitForWorkers(client, 3, TimeSpan.FromSeconds(90));
        return _broken;
    }

    internal string Submit(string spec, string outName, out CliProcess process)
    {
        process = F.StartAt(Submitter, [], "submit", spec, "--cluster", $"127.0.0.1:{Http}", "--wait", "--out", Path.Combine(F.Dir, outName));
        return Path.Combine(F.Dir, outName, "results.jsonl");
    }
}

/// <summary>
/// Real machines share no disk: a spec's CSV travels with the job from the submitter's folder to
/// workers started elsewhere; a worker that cannot keep the data fails its attempts as node
/// faults, which run again on healthy nodes while it is quarantined; a cluster with only such a
/// worker ends the job failed, visibly; a spec over the network never makes a worker open a path.
/// One cluster, four steps in order, each a test of its own.
/// </summary>
[Trait("Category", "Cluster")]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed class DataShippingTests(DataShippingCluster cluster, ITestOutputHelper output) : IClassFixture<DataShippingCluster>
{
    private ClusterFixture F => cluster.F;

    [Fact, Step(1)]
    public void A_csv_that_exists_only_in_the_submitter_s_folder_travels_with_the_job_and_gives_run_s_bytes()
    {
        var one = cluster.Submit("one.yaml", "one", out var submitOne);
        Assert.True(submitOne.WaitForExit(TimeSpan.FromMinutes(3)) && submitOne.ExitCode == 0, submitOne.Output);
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(F.Dir, "run-one", "results.jsonl")), ClusterFixture.Sha256(one));
        var trained = ClusterFixture.TrainedPerNode(Path.Combine(F.Dir, "one", "telemetry.jsonl"));
        Assert.True(trained.ContainsKey($"127.0.0.1:{cluster.W1}") && trained.ContainsKey($"127.0.0.1:{cluster.W2}"), "both workers train: " + string.Join(", ", trained));
        Assert.False(File.Exists(Path.Combine(F.Dir, "w1", "train.csv")));
    }

    [Fact, Step(2)]
    public async Task A_worker_that_cannot_keep_the_data_is_quarantined_and_its_attempts_run_on_the_healthy_workers()
    {
        await cluster.Broken();
        var w3 = cluster.W3;
        using var client = ClusterFixture.Client(cluster.Http);
        var two = cluster.Submit("two.yaml", "two", out var submitTwo);
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
            var status = F.Start("status", job, "--cluster", $"127.0.0.1:{cluster.Http}", "--json");
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
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(F.Dir, "run-two", "results.jsonl")), ClusterFixture.Sha256(two));
        var reportTwo = File.ReadAllText(Path.Combine(F.Dir, "two", "report.md"));
        Assert.Contains("## Failures", reportTwo);
        Assert.Contains($"127.0.0.1:{w3}", reportTwo);
        Assert.Contains("node fault; retried", reportTwo);
    }

    [Fact, Step(3)]
    public async Task With_only_the_broken_worker_left_the_job_ends_failed_after_its_attempts_and_says_so_everywhere()
    {
        await cluster.Broken();
        cluster.Worker1.Terminate();
        cluster.Worker2.Terminate();
        Assert.True(cluster.Worker1.WaitForExit(TimeSpan.FromSeconds(30)) && cluster.Worker2.WaitForExit(TimeSpan.FromSeconds(30)));
        cluster.Submit("three.yaml", "three", out var submitThree);
        Assert.True(submitThree.WaitForExit(TimeSpan.FromMinutes(3)), submitThree.Output);
        output.WriteLine(submitThree.Lines.Last());
        Assert.Equal(1, submitThree.ExitCode);
        cluster.FailedJob = submitThree.Stdout.Split('\n')[0].Trim();   // the id alone on standard output's first line
        Assert.Matches(@"all-broken-\S+ failed: 1 of 1 trials failed; most often: .*cache", submitThree.Output);
        var md = File.ReadAllText(Path.Combine(F.Dir, "three", "report.md"));
        Assert.Contains("Complete with failures", md);
        Assert.Contains("## Failures", md);
        Assert.Contains("class=\"status failed\"", File.ReadAllText(Path.Combine(F.Dir, "three", "report.html")));
        Assert.Contains(",failed,", File.ReadAllText(Path.Combine(F.Dir, "three", "results.csv")));
    }

    [Fact, Step(4)]
    public async Task A_spec_from_the_network_names_paths_but_workers_read_only_shipped_bytes_by_hash()
    {
        using var http1 = ClusterFixture.LocalApi(cluster.Http);
        var raw = DataShippingCluster.Spec("raw", "/etc/passwd", 1, 2);
        var refused = await http1.PostAsJsonAsync("/api/jobs", new { spec = raw, file = "raw.yaml", data = Array.Empty<object>() });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("the data file '/etc/passwd' was not shipped with the job", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        var good = File.ReadAllBytes(Path.Combine(cluster.Submitter, "third.csv"));
        var sha = Convert.ToHexStringLower(SHA256.HashData(good));
        var put = await http1.PutAsync($"/api/blobs/{sha}", new ByteArrayContent(good));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var named = await http1.PostAsJsonAsync("/api/jobs", new { spec = DataShippingCluster.Spec("named", "/nonexistent/elsewhere.csv", 1, 2), file = "named.yaml", data = new[] { new { path = "/nonexistent/elsewhere.csv", sha256 = sha, size = good.Length } } });
        Assert.True(named.IsSuccessStatusCode, await named.Content.ReadAsStringAsync());
        var tampered = await http1.PutAsync($"/api/blobs/{new string('0', 64)}", new ByteArrayContent(good));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, tampered.StatusCode);   // bytes that are not what their hash says are refused
    }

    [Fact, Step(5)]
    public async Task Garbage_uploaded_under_a_real_file_s_hash_is_refused_and_a_job_with_that_file_still_completes()
    {
        var real = Path.Combine(cluster.Submitter, "fourth.csv");
        File.WriteAllText(real, DataShippingCluster.Csv(4, 800));
        var bytes = File.ReadAllBytes(real);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        using (var http1 = ClusterFixture.LocalApi(cluster.Http))
        {
            var garbage = new byte[bytes.Length];
            var poisoned = await http1.PutAsync($"/api/blobs/{sha}", new ByteArrayContent(garbage));
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, poisoned.StatusCode);
        }
        // A healthy worker in place of the broken one of the steps before.
        var broken = await cluster.Broken();
        broken.Terminate();
        Assert.True(broken.WaitForExit(TimeSpan.FromSeconds(30)), broken.Output);
        F.NodeAt(Path.Combine(F.Dir, "w5"), "worker", FreePorts.Next(), [cluster.Coordinator, cluster.W1, cluster.W2], slots: 1);
        using (var client = ClusterFixture.Client(cluster.Http))
            await ClusterFixture.WaitForWorkers(client, 1, TimeSpan.FromSeconds(90));
        File.WriteAllText(Path.Combine(cluster.Submitter, "four.yaml"), DataShippingCluster.Spec("fourth", "fourth.csv", 1, 3).Replace("models: [logistic, { name: mlp, hidden: 16 }, gaussian-shared]", "models: [logistic]", StringComparison.Ordinal));
        var results = cluster.Submit("four.yaml", "four", out var submit);
        Assert.True(submit.WaitForExit(TimeSpan.FromMinutes(3)) && submit.ExitCode == 0, submit.Output);
        Assert.All(File.ReadAllLines(results), l => Assert.Equal("completed", JsonDocument.Parse(l).RootElement.GetProperty("outcome").GetString()));

        // The job that failed on the broken worker alone, retried on the healthy one: the bytes of an undisturbed run, its failed attempts on record.
        var job = cluster.FailedJob ?? throw new InvalidOperationException("step 3 did not run");
        var run = F.StartAt(cluster.Submitter, [], "run", "three.yaml", "--out", Path.Combine(F.Dir, "run-three"));
        var retry = F.StartAt(cluster.Submitter, [], "retry", job, "--reason", "the broken worker is replaced", "--cluster", $"127.0.0.1:{cluster.Http}", "--wait", "--out", Path.Combine(F.Dir, "three-retried"));
        Assert.True(retry.WaitForExit(TimeSpan.FromMinutes(3)) && retry.ExitCode == 0, retry.Output);
        Assert.Contains("retried 1 failed trial (the broken worker is replaced)", retry.Output);
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)) && run.ExitCode == 0, run.Output);
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(F.Dir, "run-three", "results.jsonl")), ClusterFixture.Sha256(Path.Combine(F.Dir, "three-retried", "results.jsonl")));
        var faults = JsonDocument.Parse(File.ReadAllLines(Path.Combine(F.Dir, "three-retried", "telemetry.jsonl")).Single()).RootElement.GetProperty("faults").EnumerateArray()
            .Select(f => f.GetProperty("error").GetString()!).ToList();
        Assert.True(faults.Count >= 2 && faults[^1] == "retried: the broken worker is replaced", string.Join('\n', faults));
        using var status = ClusterFixture.Client(cluster.Http);
        Assert.Contains((await status.Job(job))!.History!, h => h.What == "retried 1 failed trial: the broken worker is replaced");
    }

    /// <summary>A body of <paramref name="size"/> bytes of which the first half goes at once and the rest when <paramref name="release"/> completes.</summary>
    private sealed class HeldContent(int size, Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var half = new byte[size / 2];
            await stream.WriteAsync(half);
            await stream.FlushAsync();
            await release;
            await stream.WriteAsync(new byte[size - half.Length]);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = size;
            return true;
        }
    }

    [Fact, Step(6)]
    public async Task One_client_has_at_most_two_uploads_waiting_for_their_check_and_a_third_is_told_to_come_back()
    {
        static string Sha(int i) => Convert.ToHexStringLower(SHA256.HashData([(byte)i, 42]));
        var release = new TaskCompletionSource();
        using var http = ClusterFixture.LocalApi(cluster.Http, TimeSpan.FromSeconds(60));
        var held = Enumerable.Range(0, 2).Select(i => http.PutAsync($"/api/blobs/{Sha(i)}", new HeldContent(1 << 20, release.Task))).ToList();
        try
        {
            // The two held uploads take their places as soon as their headers arrive: the coordinator's metrics show them waiting.
            var staged = "";
            for (var until = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < until && !staged.Contains("leeml_uploads_staged{otel_scope_name=\"LeeMl.Sweep\"} 2", StringComparison.Ordinal); await Task.Delay(200))
                staged = await http.GetStringAsync("/metrics");
            Assert.True(staged.Contains("leeml_uploads_staged{otel_scope_name=\"LeeMl.Sweep\"} 2", StringComparison.Ordinal),
                $"the two held uploads are not waiting at the coordinator ({string.Join(", ", held.Select(h => h.Status))}):\n" + string.Join('\n', staged.Split('\n').Where(l => l.StartsWith("leeml_uploads", StringComparison.Ordinal))));
            var third = await http.PutAsync($"/api/blobs/{Sha(9)}", new ByteArrayContent(new byte[1000]));
            Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, third.StatusCode);
            Assert.NotNull(third.Headers.RetryAfter);
            Assert.Contains("--max-uploads-per-client", await third.Content.ReadAsStringAsync());
        }
        finally
        {
            release.SetResult();
        }
        // Their bytes are not the files their hashes name: refused, and their places are free again.
        foreach (var h in held) Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await h).StatusCode);
        var after = await http.PutAsync($"/api/blobs/{Sha(9)}", new ByteArrayContent(new byte[1000]));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, after.StatusCode);
    }
}
