using LeeMl.Sweep.Tests;
using System.Text.Json;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// A coordinator (SQLite) and three one-slot workers, and a job of 64 trials submitted with
/// <c>submit --wait</c> (and from step 2 on a TPE search beside it): started once for the steps of <see cref="FailureTests"/>.
/// </summary>
public sealed class FailureCluster : ScenarioCluster
{
    public int Coordinator { get; } = FreePorts.Next();
    public int Http { get; } = FreePorts.Next();
    public int[] W { get; } = [FreePorts.Next(), FreePorts.Next(), FreePorts.Next()];
    internal int[] Seeds => [Coordinator, W[2], W[0]];   // worker 2 stays up throughout; worker 0 comes back after it left
    internal CliProcess CoordinatorNode { get; set; } = null!;
    internal CliProcess[] Workers { get; private set; } = null!;
    internal CliProcess Submit { get; private set; } = null!;
    internal string Job { get; private set; } = null!;
    internal string SpecFile { get; private set; } = null!;

    /// <summary>The TPE search submitted beside the job in step 2; what it had stored when the worker was killed.</summary>
    internal CliProcess TpeSubmit { get; private set; } = null!;
    internal string TpeJob { get; private set; } = null!;
    internal string TpeSpecFile { get; private set; } = null!;
    internal long? TpeDoneAtKill { get; set; }

    /// <summary>A TPE search of trials that take a second each (a worker holds one at a time), five at most in flight.</summary>
    public const string TpeSpec = """
        name: tpe-kill
        function: { name: branin, seconds: 1 }
        seeds: [1]
        grid: { x1: { uniform: [-5, 10] }, x2: { uniform: [0, 15] } }
        search: { method: tpe, samples: 30, seed: 5, parallelism: 4 }
        """;

    /// <summary>64 trials of about half a second: long enough to catch a worker in the middle of one.</summary>
    public const string Spec = """
        name: failure-test
        data: { synthetic: blobs, samples: 40000, features: 8, seed: 11 }
        validation: 0.2
        models: [{ name: mlp, hidden: 32 }]
        epochs: 60
        batch_size: 32
        seeds: [1, 2, 3, 4]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
          schedule: [ { name: cyclic, step_size_up: 100 }, { name: one-cycle } ]
          warmup: [ none, { steps: 50 } ]
          gradient_noise: [ none, { eta: 0.01 } ]
        """;

    public override async Task InitializeAsync()
    {
        SpecFile = F.WriteSpec(Spec);
        CoordinatorNode = F.Node("coordinator", Coordinator, Seeds, http: Http);
        Workers = [.. W.Select(p => F.Node("worker", p, Seeds, slots: 1))];
        using var client = ClusterFixture.Client(Http);
        await ClusterFixture.WaitForWorkers(client, 3, TimeSpan.FromSeconds(90));
        Submit = F.Start("submit", SpecFile, "--cluster", $"127.0.0.1:{Http}", "--wait", "--out", Path.Combine(F.Dir, "out"), "--timeout", "5");
        await Submit.WaitFor(o => o.Contains("failure-test-", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the job id");
        Job = Submit.Lines.First(l => l.StartsWith("failure-test-", StringComparison.Ordinal));
    }

    /// <summary>Submits the TPE search beside the job (from step 2 on, so that it is in the middle when a worker is killed).</summary>
    internal async Task SubmitTpe()
    {
        TpeSpecFile = F.WriteSpec(TpeSpec, "tpe.yaml");
        TpeSubmit = F.Start("submit", TpeSpecFile, "--cluster", $"127.0.0.1:{Http}", "--wait", "--out", Path.Combine(F.Dir, "tpe-out"), "--timeout", "5");
        await TpeSubmit.WaitFor(o => o.Contains("tpe-kill-", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the TPE job's id");
        TpeJob = TpeSubmit.Lines.First(l => l.StartsWith("tpe-kill-", StringComparison.Ordinal));
        using var client = ClusterFixture.Client(Http);
        await ClusterFixture.Until(async () => (await ClusterFixture.TryJob(client, TpeJob))?.Done >= 2, TimeSpan.FromSeconds(90), "two results of the search");
    }

}

/// <summary>
/// Nodes go away while they train, one after another, on one cluster (SQLite, one coordinator):
/// a worker leaves (SIGTERM), a worker dies (SIGKILL), the coordinator dies (SIGKILL) and is
/// started again on its database. The job completes with every trial once and the bytes of an
/// undisturbed run. One cluster, steps in order, each a test of its own.
/// </summary>
[Trait("Category", "Cluster")]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed class FailureTests(FailureCluster cluster, ITestOutputHelper output) : IClassFixture<FailureCluster>
{
    private static string NodeOf(int port) => $"127.0.0.1:{port}";

    /// <summary>A trial that the API shows <paramref name="worker"/> training, near its start (so far from its end), once the job has results.</summary>
    private static async Task<string> MidTrial(string job, int http, CliProcess worker, string node)
    {
        using var client = ClusterFixture.Client(http);
        await ClusterFixture.Until(async () => (await ClusterFixture.TryJob(client, job))?.Done >= 2, TimeSpan.FromSeconds(90), "two results stored");
        var end = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < end)
        {
            var early = (await ClusterFixture.Running(job, http)).Where(t => t.Node == node && t.Epoch < 10).Select(t => t.Key).FirstOrDefault();
            if (early is not null) return early;
            await Task.Delay(50);
        }
        throw new TimeoutException($"the API did not show {node} starting a trial:\n{worker.Output}");
    }

    /// <summary>A trial the worker is training, with the worker frozen (SIGSTOP) in the middle of it.
    /// A result sent before the freeze reaches the coordinator within a second on loopback, so a trial
    /// the API still shows on the frozen worker a second later is lost when the worker is killed now.</summary>
    private static async Task<string> FrozenMidTrial(string job, int http, CliProcess worker, string node)
    {
        for (var attempt = 0; ; attempt++)
        {
            var trial = await MidTrial(job, http, worker, node);
            worker.Freeze();
            await Task.Delay(1000);
            if ((await ClusterFixture.Running(job, http)).Any(t => t.Key == trial && t.Node == node)) return trial;
            if (attempt == 5) throw new InvalidOperationException("every trial picked ended before its worker froze:\n" + worker.Output);
            worker.Thaw();
        }
    }

    /// <summary>Seconds from <paramref name="since"/> until the API shows <paramref name="trial"/> running on another node than <paramref name="gone"/>.</summary>
    private static async Task<double> Restarted(string job, int http, string trial, string gone, DateTime since, TimeSpan limit)
    {
        var end = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < end)
        {
            if ((await ClusterFixture.Running(job, http)).Any(t => t.Key == trial && t.Node != gone)) return (DateTime.UtcNow - since).TotalSeconds;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{trial} did not start again within {limit}");
    }

    [Fact, Step(1)]
    public async Task A_leaving_worker_hands_its_trials_back_and_one_runs_elsewhere_within_5_s()
    {
        var (job, http, w, workers) = (cluster.Job, cluster.Http, cluster.W, cluster.Workers);
        var trial = await FrozenMidTrial(job, http, workers[0], NodeOf(w[0]));
        workers[0].Terminate();   // pending until the worker thaws, so that it leaves well before the trial could end
        workers[0].Thaw();
        var at = DateTime.UtcNow;
        try
        {
            var resumed = await Restarted(job, http, trial, NodeOf(w[0]), at, TimeSpan.FromSeconds(30));
            output.WriteLine($"SIGTERM → {trial} running on another worker after {resumed:F1} s");
            Assert.True(resumed <= 5, $"resumed after {resumed:F1} s");
            Assert.True(workers[0].WaitForExit(TimeSpan.FromSeconds(30)), "the leaving node exits");
            Assert.Equal(0, workers[0].ExitCode);
        }
        finally
        {
            workers[0].WaitForExit(TimeSpan.FromSeconds(30));
            workers[0] = cluster.F.Node("worker", w[0], cluster.Seeds, slots: 1);   // back, so that three nodes stay when the coordinator dies
        }
    }

    [Fact, Step(2)]
    public async Task A_killed_worker_s_trial_runs_elsewhere_within_15_s()
    {
        var (job, http, w, workers) = (cluster.Job, cluster.Http, cluster.W, cluster.Workers);
        await cluster.SubmitTpe();
        var trial = await FrozenMidTrial(job, http, workers[1], NodeOf(w[1]));
        using (var client = ClusterFixture.Client(http))
            cluster.TpeDoneAtKill = (await client.Job(cluster.TpeJob))!.Done;
        workers[1].Kill();
        var at = DateTime.UtcNow;
        var restarted = await Restarted(job, http, trial, NodeOf(w[1]), at, TimeSpan.FromSeconds(45));
        output.WriteLine($"SIGKILL of a worker → {trial} running on another worker after {restarted:F1} s");
        Assert.True(restarted <= 15, $"restarted after {restarted:F1} s");
    }

    [Fact, Step(3)]
    public async Task A_coordinator_killed_and_started_again_on_its_database_finishes_the_job()
    {
        using var client = ClusterFixture.Client(cluster.Http);
        await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(60));
        var doneBefore = (await client.Job(cluster.Job))!.Done;
        cluster.CoordinatorNode.Kill();
        var at = DateTime.UtcNow;
        await Task.Delay(1000);
        cluster.CoordinatorNode = cluster.F.Node("coordinator", cluster.Coordinator, cluster.Seeds, http: cluster.Http);
        Assert.True(cluster.Submit.WaitForExit(TimeSpan.FromMinutes(4)), "submit --wait did not finish:\n" + cluster.Submit.Output);
        output.WriteLine($"coordinator killed at {doneBefore} of 64 done; job done {(DateTime.UtcNow - at).TotalSeconds:F1} s later");
        Assert.True(cluster.Submit.ExitCode == 0, cluster.Submit.Output);
    }

    [Fact, Step(4)]
    public void The_job_has_every_trial_once_the_bytes_of_an_undisturbed_run_and_the_killed_attempt_on_record()
    {
        Assert.True(cluster.Submit.WaitForExit(TimeSpan.FromMinutes(4)), "submit --wait did not finish:\n" + cluster.Submit.Output);
        var results = Path.Combine(cluster.F.Dir, "out", "results.jsonl");
        var keys = File.ReadAllLines(results).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("key").GetString()).ToList();
        Assert.Equal(64, keys.Count);
        Assert.Equal(64, keys.Distinct().Count());
        var run = cluster.F.Start("run", cluster.SpecFile, "--out", Path.Combine(cluster.F.Dir, "undisturbed"));
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)) && run.ExitCode == 0, run.Output);
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(cluster.F.Dir, "undisturbed", "results.jsonl")), ClusterFixture.Sha256(results));
        var telemetry = File.ReadAllLines(Path.Combine(cluster.F.Dir, "out", "telemetry.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(telemetry, t => t.GetProperty("faults").GetArrayLength() > 0);   // the killed worker's attempt is on record, apart from the results
    }

    [Fact, Step(5)]
    public void A_tpe_search_on_the_three_workers_one_killed_in_its_middle_gives_the_bytes_of_run()
    {
        Assert.True(cluster.TpeSubmit.WaitForExit(TimeSpan.FromMinutes(3)), "the TPE search did not finish:\n" + cluster.TpeSubmit.Output);
        Assert.True(cluster.TpeSubmit.ExitCode == 0, cluster.TpeSubmit.Output);
        output.WriteLine($"a worker was killed with {cluster.TpeDoneAtKill} of the search's 30 results stored");
        Assert.InRange(cluster.TpeDoneAtKill ?? -1, 1, 29);   // in its middle
        var f = cluster.F;
        var run = f.Start("run", cluster.TpeSpecFile, "--out", Path.Combine(f.Dir, "tpe-run"), "--slots", "10");
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)) && run.ExitCode == 0, run.Output);
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(f.Dir, "tpe-run", "results.jsonl")), ClusterFixture.Sha256(Path.Combine(f.Dir, "tpe-out", "results.jsonl")));
    }
}
