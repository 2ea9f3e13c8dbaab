using System.Globalization;
using System.Text.Json;
using LeeMl.Sweep.Tests;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// Program trials on a coordinator and two workers that run programs, declaring fake GPUs "0,1"
/// and "2": a job of one-GPU trials that record their devices, a job refused for needing more GPUs
/// than any worker has, then the plain python3 example with ASHA while the second worker is
/// killed (SIGKILL) — against the same example run in one process.
/// </summary>
public sealed class ProgramCluster : ScenarioCluster
{
    internal string Expected => Path.Combine(F.Dir, "run-out", "results.jsonl");
    internal string Out => Path.Combine(F.Dir, "out");
    internal string Records => Path.Combine(F.Dir, "gpu-records.txt");
    internal CliProcess GpuJob { get; private set; } = null!;
    internal CliProcess TooMany { get; private set; } = null!;
    internal CliProcess Submit { get; private set; } = null!;
    internal int W1 { get; } = FreePorts.Next();
    internal string Killed { get; private set; } = "";

    /// <summary>Each trial holds its device for a moment and records it with its start and end.</summary>
    private const string GpuScript = """
        import os, time
        start = time.time()
        time.sleep(0.4)
        end = time.time()
        with open(os.environ["RECORD"], "a") as f:
            f.write(f"{os.environ['CUDA_VISIBLE_DEVICES']} {start:.6f} {end:.6f}\n")
        print('@leeml {"score": 1}')
        """;

    private string GpuSpec(int gpus) => $$"""
        name: gpus
        program:
          command: [python3, gpu.py]
          files: [gpu.py]
          env: { RECORD: "{{Records}}" }
          objective: { metric: score }
          resources: { gpus: {{gpus}} }
        epochs: 1
        grid: { n: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }
        """;

    public override async Task InitializeAsync()
    {
        File.Copy(Path.Combine(RepoPaths.Root, "deploy", "sweeps", "python-plain", "train.py"), Path.Combine(F.Dir, "train.py"));
        File.WriteAllText(Path.Combine(F.Dir, "gpu.py"), GpuScript);
        // The example, each epoch a little longer so that the kill lands while trials wait at rungs.
        var example = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "sweeps", "python-plain", "sweep.yaml"))
            .Replace("OMP_NUM_THREADS: \"1\"", "OMP_NUM_THREADS: \"1\", PAUSE: \"0.1\"", StringComparison.Ordinal);
        Assert.Contains("PAUSE", example);
        var spec = F.WriteSpec(example);
        var run = F.Start("run", spec, "--out", Path.Combine(F.Dir, "run-out"), "--slots", "2");
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(2)) && run.ExitCode == 0, run.Output);   // first: the followed trial is read from its results

        int c = FreePorts.Next(), http = FreePorts.Next(), w2 = FreePorts.Next();
        int[] seeds = [c, W1];
        var coordinator = F.Node("coordinator", c, seeds, db: "programs.db", http: http);
        F.Node("worker", W1, seeds, 2, "coord.db", null, "--allow-programs", "--gpus", "0,1", "--scratch-dir", Path.Combine(F.Dir, "scratch-1"));
        var worker2 = F.Node("worker", w2, seeds, 2, "coord.db", null, "--allow-programs", "--gpus", "2", "--scratch-dir", Path.Combine(F.Dir, "scratch-2"));
        using var client = ClusterFixture.Client(http);
        await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(60));
        var cluster = $"127.0.0.1:{http}";

        TooMany = F.Start("submit", F.WriteSpec(GpuSpec(3), "too-many.yaml"), "--cluster", cluster);
        Assert.True(TooMany.WaitForExit(TimeSpan.FromSeconds(60)), TooMany.Output);
        GpuJob = F.Start("submit", F.WriteSpec(GpuSpec(1), "gpus.yaml"), "--cluster", cluster, "--wait", "--out", Path.Combine(F.Dir, "gpu-out"), "--timeout", "30");
        Assert.True(GpuJob.WaitForExit(TimeSpan.FromMinutes(2)), GpuJob.Output);

        Submit = F.Start("submit", spec, "--cluster", cluster, "--wait", "--out", Out, "--timeout", "30");
        await Submit.WaitFor(o => o.Contains("python-plain-", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the job id");
        var job = Submit.Lines.First(l => l.StartsWith("python-plain-", StringComparison.Ordinal));
        // A trial that trains all its epochs: its output followed from the start, as it is written.
        FollowedKey = File.ReadLines(Expected).Select(l => JsonDocument.Parse(l).RootElement)
            .First(r => r.GetProperty("outcome").GetString() == "completed").GetProperty("key").GetString()!;
        Follow = F.Start("logs", job, FollowedKey, "--follow", "--cluster", cluster);
        await ClusterFixture.Until(async () => (await ClusterFixture.Running(job, http)).Any(t => t.Node == $"127.0.0.1:{w2}" && t.Epoch > 1), TimeSpan.FromSeconds(60), "the second worker running a program past a rung");
        worker2.Kill();
        Killed = $"killed the second worker with {(await client.Job(job))!.Done} of 16 results stored";
        Assert.True(Submit.WaitForExit(TimeSpan.FromMinutes(3)), "the sweep did not finish:\n" + Submit.Output);
        Assert.True(Follow.WaitForExit(TimeSpan.FromSeconds(30)), "logs --follow did not end with its trial:\n" + Follow.Output);
        Logs = F.Start("logs", job, FollowedKey, "--cluster", cluster);
        Assert.True(Logs.WaitForExit(TimeSpan.FromSeconds(30)), Logs.Output);

        // The dashboard's page of that trial, in headless Chromium: its output, parameters and metrics.
        await using var browser = await HeadlessChromium.Launch(Path.Combine(F.Dir, "chromium-profile"));
        await using var page = await browser.NewPageAsync();
        page.Console += (_, e) => { if (e.Message.Type == PuppeteerSharp.ConsoleType.Error) BrowserErrors.Add(e.Message.Text); };
        var link = coordinator.Lines.First(l => l.StartsWith("dashboard: http://", StringComparison.Ordinal))["dashboard: ".Length..].Split(' ')[0];
        await page.GoToAsync(link, PuppeteerSharp.WaitUntilNavigation.Networkidle2);
        await page.GoToAsync($"http://127.0.0.1:{http}/jobs/{job}/trials/{Uri.EscapeDataString(FollowedKey)}");
        await page.WaitForFunctionAsync("() => (document.getElementById('trial-output')?.textContent || '').includes('\"epoch\": 9')", new PuppeteerSharp.WaitForFunctionOptions { Timeout = 20_000 });
        TrialPageOutput = await page.EvaluateExpressionAsync<string>("document.getElementById('trial-output').textContent");
        TrialPageMetrics = await page.EvaluateExpressionAsync<string>("document.getElementById('trial-metric-values').textContent");
    }

    internal string TrialPageOutput { get; private set; } = "";
    internal string TrialPageMetrics { get; private set; } = "";
    internal List<string> BrowserErrors { get; } = [];

    internal string FollowedKey { get; private set; } = "";
    internal CliProcess Follow { get; private set; } = null!;
    internal CliProcess Logs { get; private set; } = null!;
}

[Trait("Category", "Cluster")]
public sealed class ProgramClusterTests(ProgramCluster cluster, ITestOutputHelper output) : IClassFixture<ProgramCluster>
{
    [Fact]
    public void A_program_sweep_with_asha_gives_the_bytes_of_run_on_two_workers_one_killed()
    {
        output.WriteLine(cluster.Killed);
        Assert.True(cluster.Submit.ExitCode == 0, cluster.Submit.Output);
        var results = File.ReadAllLines(Path.Combine(cluster.Out, "results.jsonl"));
        Assert.Equal(16, results.Length);
        Assert.Contains(results, l => l.Contains("\"outcome\":\"stopped\"", StringComparison.Ordinal));
        Assert.Equal(ClusterFixture.Sha256(cluster.Expected), ClusterFixture.Sha256(Path.Combine(cluster.Out, "results.jsonl")));
        Assert.Contains($"127.0.0.1:{cluster.W1}", ClusterFixture.TrainedPerNode(Path.Combine(cluster.Out, "telemetry.jsonl")).Keys);
    }

    [Fact]
    public void A_trials_output_is_followed_while_it_runs_and_kept_in_the_store_after()
    {
        output.WriteLine(cluster.FollowedKey);
        foreach (var logs in new[] { cluster.Follow, cluster.Logs })
        {
            Assert.True(logs.ExitCode == 0, logs.Output);
            var lines = logs.Lines.Where(l => l.StartsWith("@leeml ", StringComparison.Ordinal)).ToList();
            Assert.Contains("\"epoch\": 1,", lines[0]);
            Assert.Contains("\"epoch\": 9,", lines[^1]);
        }
    }

    [Fact]
    public void The_dashboards_trial_page_shows_the_programs_output_and_metrics()
    {
        Assert.StartsWith("@leeml {\"epoch\": 1,", cluster.TrialPageOutput);
        Assert.Contains("validation_accuracy", cluster.TrialPageMetrics);
        Assert.True(cluster.BrowserErrors.Count == 0, string.Join("\n", cluster.BrowserErrors));
    }

    [Fact]
    public void No_gpu_is_ever_given_to_two_trials_at_once()
    {
        Assert.True(cluster.GpuJob.ExitCode == 0, cluster.GpuJob.Output);
        var records = File.ReadAllLines(cluster.Records).Select(l => l.Split(' '))
            .Select(f => (Device: f[0], Start: double.Parse(f[1], CultureInfo.InvariantCulture), End: double.Parse(f[2], CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(12, records.Count);
        Assert.All(records, r => Assert.Contains(r.Device, new[] { "0", "1", "2" }));   // one device each, never none or two
        foreach (var device in records.GroupBy(r => r.Device))
        {
            var ordered = device.OrderBy(r => r.Start).ToList();
            for (var i = 1; i < ordered.Count; i++)
                Assert.True(ordered[i].Start >= ordered[i - 1].End, $"device {device.Key}: a trial started at {ordered[i].Start} while another held it until {ordered[i - 1].End}");
        }
        output.WriteLine(string.Join(", ", records.GroupBy(r => r.Device).OrderBy(g => g.Key).Select(g => $"device {g.Key}: {g.Count()} trials")));
        Assert.Equal(3, records.Select(r => r.Device).Distinct().Count());
    }

    [Fact]
    public void A_job_needing_more_gpus_than_any_worker_has_is_refused_at_submit()
    {
        Assert.NotEqual(0, cluster.TooMany.ExitCode);
        Assert.Contains("each trial needs 3 GPUs, and no worker of this cluster has that many (the most: 2", cluster.TooMany.Output);
    }
}
