using System.Text.Json;
using LeeMl.Sweep.Tests;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// A real PostgreSQL server, the reference runs of two specs in one process, and three
/// coordinator-role nodes on one database of it with two workers: started once for the steps of
/// <see cref="HighAvailabilityTests"/>.
/// </summary>
public sealed class HighAvailabilityCluster : ScenarioCluster
{
    private PostgresServer? _postgres;

    internal PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("the fixture has not started its server");

    /// <summary>The HTTP ports of the coordinators the fifth step starts again on the same store.</summary>
    internal int[] Restarted { get; set; } = [];
    internal string Db { get; private set; } = null!;
    internal string Big { get; private set; } = null!;
    internal int[] Coordinators { get; } = [FreePorts.Next(), FreePorts.Next(), FreePorts.Next()];
    internal int[] Http { get; } = [FreePorts.Next(), FreePorts.Next(), FreePorts.Next()];
    /// <summary>The coordinators by address; one killed leaves this.</summary>
    internal Dictionary<string, CliProcess> Nodes { get; } = [];
    /// <summary>The big job of the first step, and the small jobs of the second.</summary>
    internal string? BigJob { get; set; }
    internal List<string> SmallJobs { get; } = [];
    internal CliProcess? Foreign { get; set; }

    /// <summary>256 trials of a few tenths of a second: long enough to kill a coordinator a third of the way through.</summary>
    internal const string BigSpec = """
        name: ha-test
        data: { synthetic: blobs, samples: 3000, features: 8, seed: 4 }
        validation: 0.2
        models: [logistic, { name: mlp, hidden: 16 }]
        epochs: 48
        batch_size: 32
        seeds: [1, 2, 3, 4]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 }, { name: rmsprop, lr: 0.001 }, { name: nag, lr: 0.02 } ]
          schedule: [ none, { name: one-cycle } ]
          warmup: [ none, { steps: 20 } ]
          gradient_noise: [ none, { eta: 0.01 } ]
        """;

    /// <summary>A quarter of the big job, for the step that kills every node in its middle.</summary>
    internal static readonly string RestartSpec = BigSpec.Replace("name: ha-test", "name: ha-restart", StringComparison.Ordinal).Replace("seeds: [1, 2, 3, 4]", "seeds: [1]", StringComparison.Ordinal);

    internal const string SmallSpec = """
        name: small-job
        data: { synthetic: moons, samples: 600, seed: 2 }
        models: [logistic, gaussian-shared]
        epochs: 5
        seeds: [1, 2]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.01 } ]
        """;

    internal static readonly TimeSpan Long = TimeSpan.FromMinutes(4);

    public override async Task InitializeAsync()
    {
        _postgres = new PostgresServer();
        F.Environment["LEEML_DB_PASSWORD"] = PostgresServer.Password;
        Db = _postgres.NewDatabase();
        Big = F.WriteSpec(BigSpec, "big.yaml");
        var small = F.WriteSpec(SmallSpec, "small.yaml");
        // The reference: the same specs in one process (run), beside the cluster's start.
        var runs = new[] { (Big, "run-big"), (small, "run-small"), (F.WriteSpec(RestartSpec, "restart.yaml"), "run-restart") }.Select(r => F.Start("run", r.Item1, "--out", Path.Combine(F.Dir, r.Item2))).ToList();
        for (var i = 0; i < 3; i++) Nodes[$"127.0.0.1:{Coordinators[i]}"] = F.Node("coordinator", Coordinators[i], Coordinators, db: Db, http: Http[i]);
        F.Node("worker", FreePorts.Next(), Coordinators, slots: 2);
        F.Node("worker", FreePorts.Next(), Coordinators, slots: 2);
        using var client = ClusterFixture.Client(Http);
        await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(90));
        foreach (var run in runs)
        {
            Assert.True(run.WaitForExit(Long), "run did not finish");
            Assert.True(run.ExitCode == 0, run.Output);
        }
    }

    /// <summary>The HTTP ports of the coordinators still up.</summary>
    internal int[] LiveHttp => [.. Nodes.Keys.Select(k => Http[Array.IndexOf(Coordinators, int.Parse(k.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture))])];

    public override Task DisposeAsync()
    {
        F.Dispose();
        _postgres?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// No single point of failure: three coordinator-role nodes share one PostgreSQL store (a real
/// server, started for the test), two workers train. Each step is a claim of the design, a test of its own.
/// </summary>
[Trait("Category", "Cluster")]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed class HighAvailabilityTests(HighAvailabilityCluster cluster, ITestOutputHelper output) : IClassFixture<HighAvailabilityCluster>
{
    private ClusterFixture F => cluster.F;
    private static readonly TimeSpan Long = HighAvailabilityCluster.Long;

    [Fact, Step(1)]
    public async Task The_coordinator_running_a_job_dies_and_the_job_goes_on_elsewhere_with_the_bytes_of_run()
    {
        var http = cluster.Http;
        using var client = ClusterFixture.Client(http);
        // The coordinator running the job dies (SIGKILL) a third of the way through.
        var outDir = Path.Combine(F.Dir, "submitted");
        var submit = F.Start("submit", cluster.Big, "--cluster", string.Join(",", http.Select(p => $"127.0.0.1:{p}")), "--wait", "--out", outDir, "--timeout", "5");
        await submit.WaitFor(o => o.Split('\n').Any(l => l.StartsWith("ha-test-", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the job id");
        var job = cluster.BigJob = submit.Lines.First(l => l.StartsWith("ha-test-", StringComparison.Ordinal));
        Cluster.Protocol.JobView? view = null;
        for (var i = 0; i < 600 && (view is null || view.Done < 256 / 3); i++)
        {
            view = await ClusterFixture.TryJob(client, job);
            await Task.Delay(50);
        }
        Assert.NotNull(view);
        Assert.True(view.Done < 256, $"kill mid-job: {view.Done} done");
        var host = view.Coordinator!;
        cluster.Nodes[host].Kill();
        cluster.Nodes.Remove(host);
        var killedAt = DateTime.UtcNow;
        output.WriteLine($"killed {host}, which ran the job, with {view.Done} of 256 results stored");
        // The job's new coordinator shows in the API once it stores the job's first result after the kill.
        var doneAtKill = view.Done;
        await ClusterFixture.Until(async () => await ClusterFixture.TryJob(client, job) is { } v && v.Coordinator != host && v.Done > doneAtKill, Long, "the job's new coordinator storing results");
        var firstNew = DateTime.UtcNow;
        Assert.True(submit.WaitForExit(Long), "submit --wait did not finish:\n" + submit.Output);
        Assert.True(submit.ExitCode == 0, submit.Output);
        var endedAt = DateTime.UtcNow;
        var results = File.ReadAllLines(Path.Combine(outDir, "results.jsonl"));
        Assert.Equal(256, results.Length);
        Assert.All(results, l => Assert.Equal("completed", JsonDocument.Parse(l).RootElement.GetProperty("outcome").GetString()));
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(F.Dir, "run-big", "results.jsonl")), ClusterFixture.Sha256(Path.Combine(outDir, "results.jsonl")));
        output.WriteLine($"kill → first result stored by the job's new coordinator: {(firstNew - killedAt).TotalSeconds:F1} s; " +
            $"kill → job done and its files written by submit --wait: {(endedAt - killedAt).TotalSeconds:F1} s");
        var newHost = (await client.Job(job))!.Coordinator;
        Assert.NotEqual(host, newHost);
    }

    [Fact, Step(2)]
    public async Task Twelve_jobs_at_once_are_spread_over_the_coordinators_and_all_complete()
    {
        using var liveClient = ClusterFixture.Client(cluster.LiveHttp);
        var submitted = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            liveClient.Submit(new Cluster.Service.SubmitRequest(HighAvailabilityCluster.SmallSpec, "small.yaml", []))));
        Assert.All(submitted, s => Assert.Null(s.Error));
        cluster.SmallJobs.AddRange(submitted.Select(s => s.Id!));
        // Meanwhile a coordinator-role node with a store of its own tries to join (the next step reads its verdict).
        cluster.Foreign = F.Node("coordinator", FreePorts.Next(), cluster.Coordinators, db: "own.db");
        var hosts = new HashSet<string>();
        var status = F.Start("status", "--cluster", string.Join(",", cluster.LiveHttp.Select(p => $"127.0.0.1:{p}")), "--json");
        Assert.True(status.WaitForExit(TimeSpan.FromSeconds(60)) && status.ExitCode == 0, status.Output);
        using (var doc = JsonDocument.Parse(status.Output))
            foreach (var j in doc.RootElement.GetProperty("jobs").EnumerateArray().Where(j => submitted.Any(s => s.Id == j.GetProperty("id").GetString())))
                if (j.GetProperty("coordinator").GetString() is { } c) hosts.Add(c);
        output.WriteLine($"12 jobs hosted by: {string.Join(", ", hosts)}");
        Assert.True(hosts.Count >= 2, $"the jobs are spread: {string.Join(", ", hosts)}");
        var end = DateTime.UtcNow + Long;
        while (DateTime.UtcNow < end)
        {
            var all = await Task.WhenAll(submitted.Select(s => ClusterFixture.TryJob(liveClient, s.Id!)));
            if (all.All(j => j?.State == Experiments.Jobs.JobState.Done)) break;
            await Task.Delay(500);
        }
        foreach (var s in submitted) Assert.Equal(Experiments.Jobs.JobState.Done, (await liveClient.Job(s.Id!))!.State);

    }

    [Fact, Step(3)]
    public void A_coordinator_role_node_with_a_store_of_its_own_is_refused_while_jobs_run()
    {
        var foreign = cluster.Foreign ?? F.Node("coordinator", FreePorts.Next(), cluster.Coordinators, db: "own.db");
        Assert.True(foreign.WaitForExit(TimeSpan.FromSeconds(90)), "a coordinator with its own store stayed:\n" + foreign.Output);
        Assert.Equal(2, foreign.ExitCode);
        Assert.Contains($"sqlite:{Path.Combine(F.Dir, "own.db")}", foreign.Output);
        Assert.Contains(cluster.Db, foreign.Output);
        output.WriteLine("refused: " + foreign.Lines.First(l => l.Contains("store", StringComparison.Ordinal)));
    }

    [Fact, Step(4)]
    public async Task Every_coordinator_shows_a_job_that_ran_elsewhere_with_its_report_rendered_from_the_store()
    {
        var shown = cluster.SmallJobs.FirstOrDefault() ?? cluster.BigJob ?? throw new InvalidOperationException("no job ran in the steps before");
        foreach (var port in cluster.LiveHttp)
        {
            using var web = ClusterFixture.LocalApi(port, TimeSpan.FromSeconds(30));
            System.Net.HttpStatusCode code = 0;
            for (var i = 0; i < 240 && code != System.Net.HttpStatusCode.OK; i++)
            {
                code = (await web.GetAsync($"/api/jobs/{shown}/report")).StatusCode;
                if (code != System.Net.HttpStatusCode.OK) await Task.Delay(250);
            }
            Assert.Equal(System.Net.HttpStatusCode.OK, code);
            using var report = JsonDocument.Parse(await web.GetStringAsync($"/api/jobs/{shown}/report"));
            Assert.Contains("Complete", report.RootElement.GetProperty("status").GetString());
            Assert.Contains("report.html", await web.GetStringAsync($"/api/jobs/{shown}/files"));
        }
        // The job whose coordinator died in the first step was taken over by one of those left: their metrics count it.
        double recovered = 0;
        using var scrape = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var port in cluster.LiveHttp)
            recovered += (await scrape.GetStringAsync($"http://127.0.0.1:{port}/metrics")).Split('\n')
                .Where(l => l.StartsWith("leeml_jobs_recovered_total{", StringComparison.Ordinal))
                .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(recovered >= 1, "no coordinator counted a recovered job");

    }

    [Fact, Step(5)]
    public async Task Every_node_killed_in_the_middle_of_a_job_and_started_again_finishes_it_without_a_new_submit_and_fetch_from_any_coordinator_writes_the_files_of_run()
    {
        var db = cluster.Db;
        string job;
        using (var client = ClusterFixture.Client(cluster.Http))
        {
            var reply = await client.Submit(new Service.SubmitRequest(HighAvailabilityCluster.RestartSpec, "restart.yaml", []));
            job = reply.Id ?? throw new InvalidOperationException(reply.Error);
            await ClusterFixture.Until(async () => (await ClusterFixture.TryJob(client, job))?.Done >= 10, Long, "10 results of the job");
        }
        // Every node at once, with SIGKILL: nothing is handed over, nothing said goodbye.
        F.KillAll();
        int c1 = LeeMl.Sweep.Tests.FreePorts.Next(), h1 = LeeMl.Sweep.Tests.FreePorts.Next(), c2 = LeeMl.Sweep.Tests.FreePorts.Next(), h2 = LeeMl.Sweep.Tests.FreePorts.Next();
        int c3 = LeeMl.Sweep.Tests.FreePorts.Next(), h3 = LeeMl.Sweep.Tests.FreePorts.Next();
        int[] seeds = [c1, c2, c3];
        F.Node("coordinator", c1, seeds, db: db, http: h1);
        F.Node("coordinator", c2, seeds, db: db, http: h2);
        F.Node("coordinator", c3, seeds, db: db, http: h3);
        F.Node("worker", LeeMl.Sweep.Tests.FreePorts.Next(), seeds, slots: 2);
        F.Node("worker", LeeMl.Sweep.Tests.FreePorts.Next(), seeds, slots: 2);
        cluster.Restarted = [h1, h2, h3];
        using (var client = ClusterFixture.Client(h1, h2, h3))
            await ClusterFixture.Until(async () => (await ClusterFixture.TryJob(client, job))?.State == Experiments.Jobs.JobState.Done, Long, "the job to finish after the restart");
        var fetched = Path.Combine(F.Dir, "fetched");
        CliProcess? fetch = null;
        for (var i = 0; i < 60; i++)
        {
            fetch = F.Start("fetch", job, "--cluster", $"127.0.0.1:{h2},127.0.0.1:{h1}", "--out", fetched);
            Assert.True(fetch.WaitForExit(TimeSpan.FromSeconds(60)));
            if (fetch.ExitCode == 0) break;
            await Task.Delay(1000);   // the nodes are still starting
        }
        Assert.True(fetch!.ExitCode == 0, fetch.Output);
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(F.Dir, "run-restart", "results.jsonl")), ClusterFixture.Sha256(Path.Combine(fetched, "results.jsonl")));
        Assert.True(File.Exists(Path.Combine(fetched, "report.html")));
    }

    [Fact, Step(6)]
    public async Task A_coordinator_is_not_ready_within_10_s_of_its_store_going_away_and_ready_again_once_it_is_back()
    {
        var port = cluster.Restarted[0];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        async Task<System.Net.HttpStatusCode?> Ready()
        {
            try { return (await http.GetAsync($"http://127.0.0.1:{port}/readyz")).StatusCode; }
            catch (HttpRequestException) { return null; }
        }
        async Task<TimeSpan> Until(System.Net.HttpStatusCode want, TimeSpan limit)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (await Ready() != want)
            {
                Assert.True(clock.Elapsed < limit, $"/readyz did not answer {(int)want} within {limit.TotalSeconds} s");
                await Task.Delay(250);
            }
            return clock.Elapsed;
        }
        await Until(System.Net.HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        cluster.Postgres.Stop();
        try
        {
            var unready = await Until(System.Net.HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10));
            output.WriteLine($"not ready {unready.TotalSeconds:F1} s after the store went away");
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/healthz")).StatusCode);   // alive all the same
        }
        finally
        {
            cluster.Postgres.Start();
        }
        await Until(System.Net.HttpStatusCode.OK, TimeSpan.FromSeconds(30));
    }
}
