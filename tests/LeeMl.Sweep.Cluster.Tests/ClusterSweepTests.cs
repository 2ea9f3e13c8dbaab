using LeeMl.Sweep.Tests;
using System.Text.Json;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// A coordinator and two workers (1 and 2 slots), each its own process, started once for the tests
/// of <see cref="ClusterSweepTests"/>; the 48-trial job, the 100,000-epoch job and the in-process run
/// of the same spec are each done once, on first need, and their outcomes shared.
/// </summary>
public sealed class ThreeProcessCluster : ScenarioCluster
{

    public int Coordinator { get; } = FreePorts.Next();
    public int Http { get; } = FreePorts.Next();
    public int Worker1 { get; } = FreePorts.Next();
    public int Worker2 { get; } = FreePorts.Next();
    public int WorkerHttp { get; } = FreePorts.Next();

    internal CliProcess CoordinatorNode { get; private set; } = null!;
    internal CliProcess WorkerNode1 { get; private set; } = null!;
    internal CliProcess WorkerNode2 { get; private set; } = null!;

    /// <summary>What the nodes logged once every worker had registered, before any job.</summary>
    internal (string Coordinator, string Worker1, string Worker2) AtStart { get; private set; }

    private readonly SemaphoreSlim _once = new(1, 1);
    private readonly Dictionary<string, string> _done = [];

    public static readonly TimeSpan Long = TimeSpan.FromMinutes(3);

    /// <summary>48 quick trials: 2 models × 2 optimizers × 2 schedules × 2 warm-ups × 3 seeds.</summary>
    internal const string Spec48 = """
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

    /// <summary>A TPE search over a test function (the issue's Hartmann-6 spec, smaller): each proposal waits for the results it learns from.</summary>
    internal const string Tpe = """
        name: tpe-test
        function: { name: hartmann6 }
        objective: { metric: value, goal: minimize }
        seeds: [1]
        grid: { x1: { uniform: [0, 1] }, x2: { uniform: [0, 1] }, x3: { uniform: [0, 1] },
                x4: { uniform: [0, 1] }, x5: { uniform: [0, 1] }, x6: { uniform: [0, 1] } }
        search: { method: tpe, samples: 30, seed: 3, parallelism: 2 }
        """;

    /// <summary>One trial of 100,000 epochs on 24 rows (one step an epoch): its curve is far longer than one message may be.</summary>
    internal const string LongCurve = """
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

    public override async Task InitializeAsync()
    {
        int[] seeds = [Coordinator, Worker1];
        CoordinatorNode = F.Node("coordinator", Coordinator, seeds, db: "two.db", http: Http);
        await CoordinatorNode.WaitFor(o => o.Contains("joined the cluster", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the coordinator's join");
        WorkerNode1 = F.Node("worker", Worker1, seeds, slots: 1);
        WorkerNode2 = F.Node("worker", Worker2, seeds, slots: 2, extra: ["--http", WorkerHttp.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        using var client = ClusterFixture.Client(Http);
        await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(60));
        AtStart = (CoordinatorNode.Output, WorkerNode1.Output, WorkerNode2.Output);
    }


    /// <summary>The results.jsonl of <paramref name="what"/>, made once: "run" (the in-process run of the 48 trials), "two" (them on this cluster), "long" (the 100,000-epoch trial on it).</summary>
    internal async Task<string> Results(string what)
    {
        await _once.WaitAsync();
        try
        {
            if (_done.TryGetValue(what, out var known)) return known;
            var results = what switch
            {
                "run" => RunInProcess(F.WriteSpec(Spec48), "run-out"),
                "two" => SubmitAndWait(F, F.WriteSpec(Spec48), Http, "two-out"),
                "tpe-run" => RunInProcess(F.WriteSpec(Tpe, "tpe.yaml"), "tpe-run-out"),
                "long" => SubmitAndWait(F, F.WriteSpec(LongCurve, "long.yaml"), Http, "long-out"),
                _ => throw new ArgumentOutOfRangeException(nameof(what), what, null),
            };
            return _done[what] = results;
        }
        finally
        {
            _once.Release();
        }
    }

    private string RunInProcess(string spec, string name)
    {
        var outDir = Path.Combine(F.Dir, name);
        var run = F.Start("run", spec, "--out", outDir, "--slots", "2");
        Assert.True(run.WaitForExit(Long), "run did not finish");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains($"results: {Path.Combine(outDir, "results.jsonl")}", run.Output);
        return Path.Combine(outDir, "results.jsonl");
    }

    internal static string SubmitAndWait(ClusterFixture f, string spec, int http, string outName)
    {
        var outDir = Path.Combine(f.Dir, outName);
        var submit = f.Start("submit", spec, "--cluster", $"127.0.0.1:{http}", "--wait", "--out", outDir);
        Assert.True(submit.WaitForExit(Long), "submit --wait did not finish:\n" + submit.Output);
        Assert.True(submit.ExitCode == 0, submit.Output);
        return Path.Combine(outDir, "results.jsonl");
    }
}

/// <summary>
/// The sweep engine on real OS processes talking Akka.Remote TCP on loopback: a coordinator
/// process and worker processes, clients in processes of their own, and the in-process run. Each
/// test names one property of the one cluster, so a failure of one does not hide the others.
/// </summary>
[Trait("Category", "Cluster")]
public sealed partial class ClusterSweepTests(ThreeProcessCluster cluster, ITestOutputHelper output) : IClassFixture<ThreeProcessCluster>
{
    private static void AssertQuiet(string log, string who) =>
        Assert.False(log.Split('\n').Any(l => l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal)),
            $"{who} logged a warning or worse:\n{log}");

    [Fact]
    public void Three_processes_join_say_where_and_log_nothing_at_warning_or_above()
    {
        var (coordinator, worker1, _) = cluster.AtStart;
        Assert.Contains($"joined the cluster at akka.tcp://leeml-sweep@127.0.0.1:{cluster.Coordinator} as coordinator; dashboard and HTTP API on http://127.0.0.1:{cluster.Http}/", coordinator);
        Assert.Contains($"joined the cluster at akka.tcp://leeml-sweep@127.0.0.1:{cluster.Worker2} as worker with 2 slots", cluster.AtStart.Worker2);
        AssertQuiet(coordinator, "the coordinator");
        AssertQuiet(worker1, "a worker");
    }

    [Fact]
    public async Task Every_node_with_http_answers_health_and_readiness_and_a_node_that_has_not_joined_is_alive_but_not_ready()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };   // no secret: probes carry none
        var ready = await http.GetAsync($"http://127.0.0.1:{cluster.Http}/readyz");
        var body = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == System.Net.HttpStatusCode.OK, body);
        Assert.Contains("\"akka.cluster.join\":\"healthy\"", body);
        Assert.Contains("\"store\":\"healthy\"", body);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{cluster.Http}/healthz")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync($"http://127.0.0.1:{cluster.Http}/api/jobs")).StatusCode);

        // A worker whose seed node is not there: its process runs, so it is alive; it has joined nothing, so it is not ready.
        var port = LeeMl.Sweep.Tests.FreePorts.Next();
        var lone = cluster.F.Node("worker", LeeMl.Sweep.Tests.FreePorts.Next(), [LeeMl.Sweep.Tests.FreePorts.Next()], extra: ["--http", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        HttpResponseMessage? alive = null;
        for (var until = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < until && alive?.StatusCode != System.Net.HttpStatusCode.OK; await Task.Delay(200))
        {
            try { alive = await http.GetAsync($"http://127.0.0.1:{port}/healthz"); }
            catch (HttpRequestException) { }
        }
        Assert.True(alive?.StatusCode == System.Net.HttpStatusCode.OK, lone.Output);
        var notReady = await http.GetAsync($"http://127.0.0.1:{port}/readyz");
        var why = await notReady.Content.ReadAsStringAsync();
        Assert.True(notReady.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, why);
        Assert.Contains("\"akka.cluster.join\":\"unhealthy\"", why);
        Assert.DoesNotContain("store", why);   // a worker has none
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{port}/api/jobs")).StatusCode);   // nor an API
        lone.Kill();   // the fixture disposes it with the others
    }

    /// <summary>A sample's value by metric name and the labels its line must carry (the exposition format's text, as a scraper reads it).</summary>
    private static double Sample(string exposition, string name, string labels = "")
    {
        var line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(labels, StringComparison.Ordinal));
        Assert.True(line is not null, $"no {name} {labels} in:\n{exposition}");
        return double.Parse(line![(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Coordinator_and_worker_export_prometheus_metrics_of_the_trials_they_ran_without_keys_in_labels()
    {
        await cluster.Results("two");   // 48 trials on this cluster
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var coordinator = "";
        for (var until = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < until; await Task.Delay(500))
        {
            coordinator = await http.GetStringAsync($"http://127.0.0.1:{cluster.Http}/metrics");
            if (coordinator.Contains("leeml_jobs{", StringComparison.Ordinal) && Sample(coordinator, "leeml_jobs", "state=\"done\"") >= 1) break;   // counted every few seconds
        }
        Assert.True(Sample(coordinator, "leeml_results_committed_total", "outcome=\"completed\"") >= 48, coordinator);
        Assert.True(Sample(coordinator, "leeml_jobs", "state=\"done\"") >= 1);
        Assert.True(Sample(coordinator, "leeml_commit_duration_seconds_count") >= 1);
        Assert.Contains("dotnet_gc_collections_total{", coordinator);   // the runtime's own

        var worker = await http.GetStringAsync($"http://127.0.0.1:{cluster.WorkerHttp}/metrics");
        Assert.Equal(2, Sample(worker, "leeml_worker_slots"));
        Assert.True(Sample(worker, "leeml_trials_started_total") >= 1, worker);
        Assert.True(Sample(worker, "leeml_trials_ended_total", "outcome=\"completed\"") >= 1, worker);
        // Bounded labels: no trial key, job id or seed ever becomes a label value.
        foreach (var text in new[] { coordinator, worker })
            Assert.DoesNotContain(text.Split('\n'), l => l.StartsWith("leeml_", StringComparison.Ordinal) && (l.Contains("seed=", StringComparison.Ordinal) || l.Contains("cluster-test", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Both_workers_train_and_every_trial_is_trained_once_and_reported_complete()
    {
        var twoResults = await cluster.Results("two");
        var lines = File.ReadAllLines(twoResults);
        Assert.Equal(48, lines.Length);
        Assert.All(lines, l => Assert.Equal("completed", JsonDocument.Parse(l).RootElement.GetProperty("outcome").GetString()));
        var trained = ClusterFixture.TrainedPerNode(Path.Combine(Path.GetDirectoryName(twoResults)!, "telemetry.jsonl"));
        var (trained1, trained2) = (trained.GetValueOrDefault($"127.0.0.1:{cluster.Worker1}"), trained.GetValueOrDefault($"127.0.0.1:{cluster.Worker2}"));
        Assert.True(trained1 > 0 && trained2 > 0, $"both workers train: {trained1} and {trained2}\nworker 1:\n{string.Join('\n', cluster.WorkerNode1.Output.Split('\n').TakeLast(60))}");
        Assert.Equal(48, trained1 + trained2);
        foreach (var file in new[] { "report.html", "report.md", "results.csv", "curves.csv", "accuracy-bars.png", "learning-curves.svg" })
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(twoResults)!, file)), $"submit --wait wrote {file}");
        var coordinatorJob = Directory.GetDirectories(Path.Combine(cluster.F.Dir, $"jobs-{cluster.Coordinator}")).Single(d => Path.GetFileName(d).StartsWith("cluster-test-", StringComparison.Ordinal));
        Assert.Contains("Complete: 48 of 48 trials", File.ReadAllText(Path.Combine(coordinatorJob, "report.md")));
    }

    [Fact]
    public async Task A_100000_epoch_trial_goes_to_the_store_in_chunks_and_is_trained_once()
    {
        var longResults = await cluster.Results("long");
        var line = Assert.Single(File.ReadAllLines(longResults));
        Assert.Equal(100_000, JsonDocument.Parse(line).RootElement.GetProperty("epochs").GetArrayLength());
        var telemetry = JsonDocument.Parse(Assert.Single(File.ReadAllLines(Path.Combine(Path.GetDirectoryName(longResults)!, "telemetry.jsonl")))).RootElement;
        Assert.Equal(1, telemetry.GetProperty("attempt").GetInt32());   // trained once: no second attempt, no node fault before it
        Assert.Equal(0, telemetry.GetProperty("faults").GetArrayLength());
        output.WriteLine($"100,000-epoch result: {new FileInfo(longResults).Length / 1e6:F1} MB in results.jsonl, trained once");
    }

    [Fact]
    public async Task Results_on_two_workers_one_worker_and_run_are_byte_identical()
    {
        var hash = ClusterFixture.Sha256(await cluster.Results("run"));
        Assert.Equal(hash, ClusterFixture.Sha256(await cluster.Results("two")));

        // The same spec on a coordinator and one worker of their own.
        using var f = new ClusterFixture();
        int c1 = FreePorts.Next(), http1 = FreePorts.Next(), w = FreePorts.Next();
        f.Node("coordinator", c1, [c1, w], db: "one.db", http: http1);
        f.Node("worker", w, [c1, w], slots: 2);
        using var client1 = ClusterFixture.Client(http1);
        await ClusterFixture.WaitForWorkers(client1, 1, TimeSpan.FromSeconds(60));
        var oneResults = ThreeProcessCluster.SubmitAndWait(f, f.WriteSpec(ThreeProcessCluster.Spec48), http1, "one-out");
        Assert.Equal(hash, ClusterFixture.Sha256(oneResults));

        // A search that learns: the same trials and values on one worker and in one process (three workers, one killed: FailureTests).
        var tpe = await cluster.Results("tpe-run");
        Assert.Equal(30, File.ReadAllLines(tpe).Length);
        Assert.Equal(ClusterFixture.Sha256(tpe), ClusterFixture.Sha256(ThreeProcessCluster.SubmitAndWait(f, f.WriteSpec(ThreeProcessCluster.Tpe, "tpe.yaml"), http1, "tpe-one-out")));
    }
}
