using System.Text.Json;
using LeeMl.Sweep.Tests;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// No single point of failure: three coordinator-role nodes share one PostgreSQL store (a real
/// server, started for the test), two workers train. Each phase is a claim of the design.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class HighAvailabilityTests(ITestOutputHelper output) : IDisposable
{
    private readonly ClusterFixture _f = new();

    public void Dispose() => _f.Dispose();

    /// <summary>256 trials of a few tenths of a second: long enough to kill a coordinator a third of the way through.</summary>
    private const string BigSpec = """
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

    private const string SmallSpec = """
        name: small-job
        data: { synthetic: moons, samples: 600, seed: 2 }
        models: [logistic, gaussian-shared]
        epochs: 5
        seeds: [1, 2]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.01 } ]
        """;

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Three_coordinators_on_postgres_survive_the_loss_of_the_one_running_a_job_spread_jobs_refuse_a_foreign_store_and_serve_files_after_a_restart()
    {
        using var postgres = new PostgresServer();
        _f.Environment["LEEML_DB_PASSWORD"] = PostgresServer.Password;
        var db = postgres.NewDatabase();
        var big = _f.WriteSpec(BigSpec, "big.yaml");
        var small = _f.WriteSpec(SmallSpec, "small.yaml");

        // The reference: the same specs in one process (run).
        foreach (var (spec, name) in new[] { (big, "run-big"), (small, "run-small") })
        {
            var run = _f.Start("run", spec, "--out", Path.Combine(_f.Dir, name));
            Assert.True(run.WaitForExit(Long), "run did not finish");
            Assert.True(run.ExitCode == 0, run.Output);
        }

        int[] coordinators = [LeeMl.Sweep.Tests.FreePorts.Next(), LeeMl.Sweep.Tests.FreePorts.Next(), LeeMl.Sweep.Tests.FreePorts.Next()];
        int[] http = [LeeMl.Sweep.Tests.FreePorts.Next(), LeeMl.Sweep.Tests.FreePorts.Next(), LeeMl.Sweep.Tests.FreePorts.Next()];
        int w1 = LeeMl.Sweep.Tests.FreePorts.Next(), w2 = LeeMl.Sweep.Tests.FreePorts.Next();
        var nodes = new Dictionary<string, CliProcess>();
        for (var i = 0; i < 3; i++) nodes[$"127.0.0.1:{coordinators[i]}"] = _f.Node("coordinator", coordinators[i], coordinators, db: db, http: http[i]);
        var worker1 = _f.Node("worker", w1, coordinators, slots: 2);
        var worker2 = _f.Node("worker", w2, coordinators, slots: 2);
        using var client = ClusterFixture.Client(http);
        await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(90));

        // 1. The coordinator running the job dies (SIGKILL) a third of the way through: the job goes on elsewhere.
        var outDir = Path.Combine(_f.Dir, "submitted");
        var submit = _f.Start("submit", big, "--cluster", string.Join(",", http.Select(p => $"127.0.0.1:{p}")), "--wait", "--out", outDir, "--timeout", "5");
        await submit.WaitFor(o => o.Split('\n').Any(l => l.StartsWith("ha-test-", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the job id");
        var job = submit.Lines.First(l => l.StartsWith("ha-test-", StringComparison.Ordinal));
        Cluster.Protocol.JobView? view = null;
        for (var i = 0; i < 600 && (view is null || view.Done < 256 / 3); i++)
        {
            view = await ClusterFixture.TryJob(client, job);
            await Task.Delay(50);
        }
        Assert.NotNull(view);
        Assert.True(view.Done < 256, $"kill mid-job: {view.Done} done");
        var host = view.Coordinator!;
        nodes[host].Kill();
        var killedAt = DateTime.UtcNow;
        output.WriteLine($"killed {host}, which ran the job, with {view.Done} of 256 results stored");
        Assert.True(submit.WaitForExit(Long), "submit --wait did not finish:\n" + submit.Output);
        Assert.True(submit.ExitCode == 0, submit.Output);
        var endedAt = DateTime.UtcNow;
        var results = File.ReadAllLines(Path.Combine(outDir, "results.jsonl"));
        Assert.Equal(256, results.Length);
        Assert.All(results, l => Assert.Equal("completed", JsonDocument.Parse(l).RootElement.GetProperty("outcome").GetString()));
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(_f.Dir, "run-big", "results.jsonl")), ClusterFixture.Sha256(Path.Combine(outDir, "results.jsonl")));
        // The first trials the job's new coordinator dispatched (the workers meanwhile train what they hold).
        var firstNew = ClusterFixture.Logged(worker1, "assigned").Concat(ClusterFixture.Logged(worker2, "assigned"))
            .Where(s => s.At > killedAt && s.Text.StartsWith(job, StringComparison.Ordinal) && !s.Text.EndsWith($"by {host}", StringComparison.Ordinal))
            .Select(s => s.At).Order().First();
        output.WriteLine($"kill → first trials dispatched by the job's new coordinator: {(firstNew - killedAt).TotalSeconds:F1} s; " +
            $"kill → job done and its files written by submit --wait: {(endedAt - killedAt).TotalSeconds:F1} s");
        var newHost = (await client.Job(job))!.Coordinator;
        Assert.NotEqual(host, newHost);
        nodes.Remove(host);
        var live = nodes.Keys.Select(k => http[Array.IndexOf(coordinators, int.Parse(k.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture))]).ToArray();
        using var liveClient = ClusterFixture.Client(live);

        // 2. Twelve jobs at once are spread over the coordinators and all complete; meanwhile
        // 3. a coordinator-role node with a store of its own is refused and the jobs carry on.
        var submitted = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            liveClient.Submit(new Cluster.Service.SubmitRequest(SmallSpec, "small.yaml", []))));
        Assert.All(submitted, s => Assert.Null(s.Error));
        var foreign = _f.Node("coordinator", LeeMl.Sweep.Tests.FreePorts.Next(), coordinators, db: "own.db");
        Assert.True(foreign.WaitForExit(TimeSpan.FromSeconds(90)), "a coordinator with its own store stayed:\n" + foreign.Output);
        Assert.Equal(2, foreign.ExitCode);
        Assert.Contains($"sqlite:{Path.Combine(_f.Dir, "own.db")}", foreign.Output);
        Assert.Contains(db, foreign.Output);
        output.WriteLine("refused: " + foreign.Lines.First(l => l.Contains("store", StringComparison.Ordinal)));
        var hosts = new HashSet<string>();
        var status = _f.Start("status", "--cluster", string.Join(",", live.Select(p => $"127.0.0.1:{p}")), "--json");
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

        // 4. Every coordinator shows every job in its dashboard: one that ran elsewhere has its report rendered here from the store.
        var shown = submitted[0].Id!;
        foreach (var port in live)
        {
            using var web = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
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

        // 4. Every node restarts; fetch, from any coordinator, writes the files of a finished job as run did.
        _f.KillAll();
        int c1 = LeeMl.Sweep.Tests.FreePorts.Next(), h1 = LeeMl.Sweep.Tests.FreePorts.Next(), c2 = LeeMl.Sweep.Tests.FreePorts.Next(), h2 = LeeMl.Sweep.Tests.FreePorts.Next();
        _f.Node("coordinator", c1, [c1, c2], db: db, http: h1);
        _f.Node("coordinator", c2, [c1, c2], db: db, http: h2);
        var fetched = Path.Combine(_f.Dir, "fetched");
        CliProcess? fetch = null;
        for (var i = 0; i < 60; i++)
        {
            fetch = _f.Start("fetch", job, "--cluster", $"127.0.0.1:{h2},127.0.0.1:{h1}", "--out", fetched);
            Assert.True(fetch.WaitForExit(TimeSpan.FromSeconds(60)));
            if (fetch.ExitCode == 0) break;
            await Task.Delay(1000);   // the nodes are still starting
        }
        Assert.True(fetch!.ExitCode == 0, fetch.Output);
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(_f.Dir, "run-big", "results.jsonl")), ClusterFixture.Sha256(Path.Combine(fetched, "results.jsonl")));
        Assert.True(File.Exists(Path.Combine(fetched, "report.html")));
    }
}
