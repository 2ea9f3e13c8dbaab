using LeeMl.Sweep.Tests;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Specs;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>A coordinator and a two-slot worker on loopback without TLS, and a job running on them: started once for the steps of <see cref="HostileInputTests"/>.</summary>
public sealed class HostileInputCluster : ScenarioCluster
{
    public int C { get; } = FreePorts.Next();
    public int Http { get; } = FreePorts.Next();
    public int W { get; } = FreePorts.Next();
    internal CliProcess CoordinatorNode { get; private set; } = null!;
    internal CliProcess WorkerNode { get; private set; } = null!;
    internal CliProcess Submit { get; private set; } = null!;
    internal string Job { get; private set; } = null!;
    internal TrialPlan Plan { get; } = new(SpecParser.Parse(Spec, "spec.yaml"));

    internal const string Spec = """
        name: beside-the-attack
        data: { synthetic: blobs, samples: 20000, features: 8, seed: 5 }
        validation: 0.2
        models: [logistic, { name: mlp, hidden: 32 }]
        epochs: 25
        seeds: [1, 2, 3]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
          schedule: [ none, { name: one-cycle } ]
        """;

    public override async Task InitializeAsync()
    {
        var spec = F.WriteSpec(Spec);
        var run = F.Start("run", spec, "--out", Path.Combine(F.Dir, "run-out"), "--slots", "2");
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)) && run.ExitCode == 0, run.Output);
        CoordinatorNode = F.Node("coordinator", C, [C, W], db: "hostile.db", http: Http);
        WorkerNode = F.Node("worker", W, [C, W], slots: 2);
        using var client = ClusterFixture.Client(Http);
        await ClusterFixture.WaitForWorkers(client, 1, TimeSpan.FromSeconds(60));
        Submit = F.Start("submit", spec, "--cluster", $"127.0.0.1:{Http}", "--wait", "--out", Path.Combine(F.Dir, "out"), "--timeout", "30");
        Job = await WaitForJob(client);
    }

    private static async Task<string> WaitForJob(Cli.Client.SweepHttpClient client)
    {
        var end = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < end)
        {
            var status = await client.Status();
            if (status.Jobs.FirstOrDefault(j => j.Done > 0) is { } job) return job.Id;
            await Task.Delay(200);
        }
        throw new TimeoutException("the job did not start");
    }

}

/// <summary>
/// A process that reaches a loopback cluster's ports but never joined it (the threat of
/// docs/security.md without TLS) sends everything it can while a job runs: forged results, a fake
/// worker registration, a hand-back of the real worker's trials, cancels, spec and data requests,
/// messages with null and oversized fields, PoisonPill and Kill by actor selection and to resolved
/// references, garbage bytes on every port, and hostile requests and specs to the HTTP API. Each
/// is refused; every node stays up; the job completes with every trial trained once and the
/// bytes of <c>run</c>. One cluster, steps in order (the attacks while the job runs), each a test of its own.
/// </summary>
[Trait("Category", "Cluster")]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed class HostileInputTests(HostileInputCluster cluster, ITestOutputHelper output) : IClassFixture<HostileInputCluster>
{
    private ClusterFixture F => cluster.F;

    /// <summary>Records whatever the cluster sends back to the intruder (it should send nothing).</summary>
    private sealed class Inbox : ReceiveActor
    {
        public Inbox(ConcurrentQueue<string> received) => ReceiveAny(m => received.Enqueue(m.GetType().Name));
    }

    [Fact, Step(1)]
    public async Task Forged_messages_and_system_messages_from_a_process_that_never_joined_are_dropped_and_logged()
    {
        var (c, w, job, plan) = (cluster.C, cluster.W, cluster.Job, cluster.Plan);
        var received = new ConcurrentQueue<string>();
        using (var intruder = ActorSystem.Create("intruder", ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
            akka.actor.serializers.sweep = "LeeMl.Sweep.Cluster.Protocol.SweepSerializer, LeeMl.Sweep.Cluster"
            akka.actor.serialization-bindings { "LeeMl.Sweep.Cluster.Protocol.ISweepMessage, LeeMl.Sweep.Cluster" = sweep }
            akka.loglevel = ERROR
            """)))
        {
            var inbox = intruder.ActorOf(Props.Create(() => new Inbox(received)), "inbox");
            var provider = ((ExtendedActorSystem)intruder).Provider;
            string At(int port, string path) => $"akka.tcp://leeml-sweep@127.0.0.1:{port}{path}";
            IActorRef Ref(int port, string path) => provider.ResolveActorRef(At(port, path));
            var workerNode = $"127.0.0.1:{w}";
            var forged = TrialResult.FailedWith(plan.At(0), "forged") with { Outcome = TrialOutcome.Completed, TrainAccuracy = 1, ValidationAccuracy = 1, TestAccuracy = 1 };

            (string Path, ISweepMessage Message)[] toCoordinator =
            [
                ("/system/sharding/job", new TrialFinished(job, 0, 1, workerNode, forged, 0, 1)),
                ("/system/sharding/job", new HandBack(job, workerNode, [.. Enumerable.Range(0, (int)plan.Count).Select(i => (long)i)])),
                ("/system/sharding/job", new WorkerHolds(job, workerNode, [])),
                ("/system/sharding/job", new GetJobSpec(job)),
                ("/system/sharding/job", new CancelJob(job)),
                ("/system/sharding/job", new CancelJob(null!)),
                ("/system/sharding/job", new GetJobStatus(new string('x', 10_000))),
                ("/system/sharding/job", new TrialFault(job, 1, 1, workerNode, "forged fault")),
                ("/user/dispatcher/dispatcher", new WorkerHeartbeat("evil:1", 4096, 0, 0)),
                ("/user/dispatcher/dispatcher", new RequestWork("evil:1", 1000)),
                ("/user/dispatcher/dispatcher", new JobPending(job, 0)),
                ("/user/blobs", new FetchBlobChunk(new string('a', 64), 0)),
                ("/user/store-guard", WhichStore.Instance),
            ];
            (string Path, ISweepMessage Message)[] toWorker =
            [
                ("/user/worker", new AssignTrials(job, [new TrialTicket(0, 1), new TrialTicket(1, 1)])),
                ("/user/worker", new CancelTrials(job)),
                ("/user/worker", new ResultsStored(job, [.. Enumerable.Range(0, (int)plan.Count).Select(i => (long)i)])),
            ];
            for (var round = 0; round < 3; round++)
            {
                foreach (var (path, message) in toCoordinator)
                {
                    Ref(c, path).Tell(message, inbox);                         // to the resolved reference
                    intruder.ActorSelection(At(c, path)).Tell(message, inbox); // and by actor selection
                    Ref(c, path).Tell(message, ActorRefs.NoSender);           // and without a sender
                }
                foreach (var (path, message) in toWorker)
                {
                    Ref(w, path).Tell(message, inbox);
                    intruder.ActorSelection(At(w, path)).Tell(message, inbox);
                }
                // System messages: stop the dispatcher, the shard region, the worker, everything under /user.
                foreach (var (port, path) in new[] { (c, "/user/dispatcher/dispatcher"), (c, "/user/dispatcher"), (c, "/system/sharding/job"), (c, "/user/*"), (c, "/system/*"), (w, "/user/worker"), (w, "/user/*") })
                {
                    intruder.ActorSelection(At(port, path)).Tell(PoisonPill.Instance, inbox);
                    intruder.ActorSelection(At(port, path)).Tell(Kill.Instance, inbox);
                }
                foreach (var (port, path) in new[] { (c, "/user/dispatcher/dispatcher"), (c, "/system/sharding/job"), (c, "/system/cluster/core/daemon"), (w, "/user/worker") })
                {
                    Ref(port, path).Tell(PoisonPill.Instance, inbox);
                    Ref(port, path).Tell(Kill.Instance, inbox);
                    var target = (IInternalActorRef)Ref(port, path);
                    target.SendSystemMessage(new Akka.Dispatch.SysMsg.Suspend());
                    target.SendSystemMessage(new Akka.Dispatch.SysMsg.Terminate());
                }
                await Task.Delay(500);
            }
            await Task.Delay(2000);
            await intruder.Terminate();
        }

        Assert.Empty(received);
        foreach (var kind in new[] { "TrialFinished", "HandBack", "GetJobSpec", "CancelJob", "WorkerHeartbeat", "RequestWork", "FetchBlobChunk", "WhichStore" })
            Assert.True(cluster.CoordinatorNode.Output.Contains($"dropped {kind} from akka.tcp://intruder@", StringComparison.Ordinal), $"the coordinator did not log a dropped {kind}:\n{cluster.CoordinatorNode.Output}");
        foreach (var refusal in new[] { "refused a Kill from the network", "refused a PoisonPill from the network", "refused the system message Suspend from the network", "refused a CancelJob: the job id is missing", "refused a GetJobStatus: the job id is 10000 characters long" })
            Assert.True(cluster.CoordinatorNode.Output.Contains(refusal, StringComparison.Ordinal), $"the coordinator did not log '{refusal}':\n{cluster.CoordinatorNode.Output}");
        foreach (var kind in new[] { "AssignTrials", "CancelTrials", "ResultsStored" })
            Assert.True(cluster.WorkerNode.Output.Contains($"dropped {kind} from akka.tcp://intruder@", StringComparison.Ordinal), $"the worker did not log a dropped {kind}:\n{cluster.WorkerNode.Output}");
        output.WriteLine(string.Join('\n', cluster.CoordinatorNode.Lines.Where(l => l.Contains("warn:", StringComparison.Ordinal) || l.Contains("fail:", StringComparison.Ordinal)).Take(40)));
    }

    [Fact, Step(2)]
    public async Task Garbage_on_every_port_is_refused_and_every_node_stays_up()
    {
        var (c, w, http) = (cluster.C, cluster.W, cluster.Http);
        // Garbage on every port: random bytes, an oversized frame header, a TLS hello to plain ports, a slow trickle.
        foreach (var port in new[] { c, w, http })
        {
            await Garbage(port, Random.Shared.GetItems<byte>(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), 200_000));
            await Garbage(port, [0x7f, 0xff, 0xff, 0xff, 1, 2, 3]);
            await Garbage(port, [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
        }

        using var client = ClusterFixture.Client(http);
        Assert.Equal(2, (await client.Status()).Nodes.Count);
        Assert.False(cluster.CoordinatorNode.HasExited, "the coordinator stopped:\n" + cluster.CoordinatorNode.Output);
        Assert.False(cluster.WorkerNode.HasExited, "the worker stopped:\n" + cluster.WorkerNode.Output);
    }

    [Fact, Step(3)]
    public async Task Requests_without_the_node_s_secret_get_401_and_hostile_ones_with_it_get_their_status_and_no_terminal_escapes()
    {
        var (http, job) = (cluster.Http, cluster.Job);
        // The HTTP API: a 10,000-character id, nulls, bad pages, a spec over the size cap, hostile specs, broken JSON.
        // Without the secret the node wrote for its user, or with another, nothing at all.
        using (var stranger = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}"), Timeout = TimeSpan.FromSeconds(10) })
            foreach (var (method, path, bearer) in new[] { ("GET", "/api/jobs", null), ("GET", $"/api/jobs/{job}/spec.yaml", null), ("GET", $"/api/jobs/{job}/results.jsonl", "guess"),
                ("POST", $"/api/jobs/{job}/cancel", null), ("POST", "/api/jobs", "guess"), ("GET", "/", null), ("GET", $"/api/jobs/{job}/events", null), ("GET", "/login?token=guess", null) })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (bearer is not null) request.Headers.Authorization = new("Bearer", bearer);
                using var response = await stranger.SendAsync(request);
                Assert.True(response.StatusCode == System.Net.HttpStatusCode.Unauthorized, $"{method} {path} without the secret: {(int)response.StatusCode}");
            }
        using var raw = ClusterFixture.LocalApi(http);   // with the node's secret: the checks behind the door are what is tried here
        var longId = new string('j', 10_000);
        var requests = new (string Method, string Path, string? Body, int Status)[]
        {
            ("GET", $"/api/jobs/{longId}", null, 414),   // over Kestrel's request line: refused before any handler
            ("POST", $"/api/jobs/{longId}/cancel", null, 414),
            ("GET", $"/api/jobs/{longId[..1000]}", null, 400),
            ("POST", $"/api/jobs/{longId[..1000]}/cancel", null, 400),
            ("GET", $"/api/jobs/{longId[..1000]}/results.jsonl", null, 400),
            ("GET", "/api/jobs/..%2F..%2Fetc%2Fpasswd", null, 400),
            ("GET", "/api/jobs?offset=-1", null, 400),
            ("GET", "/api/jobs?limit=100000000", null, 400),
            ("POST", "/api/jobs", """{"spec":null,"file":null,"data":null}""", 400),
            ("POST", "/api/jobs", """{"spec":"name: x""", 400),
            ("POST", "/api/jobs", "\u0000\u0001garbage", 400),
            ("POST", "/api/jobs", Submission("name: big\n# " + new string('x', SpecLimits.MaxBytes + 10)), 400),
            ("POST", "/api/jobs", Submission(LeeMl.Sweep.Tests.HostileYaml.AliasBomb(10)), 400),
            ("POST", "/api/jobs", Submission("name: deep\nmodels: " + new string('[', 50_000) + new string(']', 50_000)), 400),
            ("POST", "/api/jobs", Submission("name: \"\\e[31mred\"\ndata: { synthetic: blobs }\nmodels: [lda]"), 400),
            ("POST", "/api/jobs", Submission("name: t\ndata: { synthetic: blobs }\nmodels: [{ name: mlp, hidden: 2000000000 }]\ngrid: { optimizer: [sgd] }"), 400),
            ("POST", "/api/jobs", Submission("name: t\ndata: { csv: /etc/passwd, label: root }\nmodels: [lda]"), 400),
            ("PUT", "/api/blobs/not-a-hash", "x", 400),
            // Resources: counted from the axes (a grid of 6.4·10^10 trials), bounded curves, and a legal grid of 10^7 combinations past the time a submission may take.
            ("POST", "/api/jobs", Submission(Axes("bomb", 4000, 4000, 4000) + "models: [mlp]\n"), 400),
            ("POST", "/api/jobs", Submission("name: curves\ndata: { synthetic: blobs }\nmodels: [logistic]\nepochs: 100000\nseeds: [1, 2]\ngrid:\n  optimizer: [" + string.Join(", ", Enumerable.Range(1, 200).Select(k => $"{{ name: sgd, lr: {k}e-4 }}")) + "]\n"), 400),
            ("POST", "/api/jobs", Submission(Axes("slow", 100, 100, 1000) + "models: [mlp]\nmax_trials: 10000000\nmax_curve_points: 400000000\n"), 400),
            // The dashboard: only a job folder's own files, by a plain name; bounded pages; no job, no stream.
            ("GET", $"/jobs/{job}/files/..%2F..%2F..%2Fetc%2Fpasswd", null, 404),
            ("GET", $"/jobs/{job}/files/sweep.db", null, 404),
            ("GET", $"/jobs/{job}/files/.data", null, 404),
            ("GET", "/assets/..%2F..%2Fappsettings.json", null, 404),
            ("GET", $"/api/jobs/{job}/trials?limit=0", null, 400),
            ("GET", $"/api/jobs/{job}/trials?limit=100000", null, 400),
            ("GET", $"/api/jobs/{job}/trials?outcome=%1B%5B31m", null, 400),
            ("GET", $"/api/jobs/{job}/trials?after={new string('k', 10_001)}", null, 414),   // over the request line
            ("GET", $"/api/jobs/{job}/trials/{Uri.EscapeDataString("no such trial")}", null, 404),
            ("GET", "/api/jobs/nosuchjob-1/events", null, 404),
            ("GET", "/api/jobs/..%2Fx/report", null, 400),
            ("POST", $"/api/jobs/{job}/files", null, 405),
            ("POST", "/api/tokens/revoke", new string('[', 100_000), 400),   // without TLS there are no tokens
        };
        foreach (var (method, path, body, status) in requests)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };
            using var response = await raw.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status, $"{method} {path[..Math.Min(path.Length, 60)]}: {(int)response.StatusCode} {text[..Math.Min(text.Length, 300)]}");
            Assert.DoesNotContain('\u001b', text);
        }
    }

    [Fact, Step(4)]
    public async Task The_job_beside_the_attacks_trains_every_trial_once_and_matches_run()
    {
        var plan = cluster.Plan;
        using var client = ClusterFixture.Client(cluster.Http);
        Assert.True(cluster.Submit.WaitForExit(TimeSpan.FromMinutes(4)), "the job beside the attack did not finish:\n" + cluster.Submit.Output + cluster.CoordinatorNode.Output);
        Assert.True(cluster.Submit.ExitCode == 0, cluster.Submit.Output);
        Assert.False(cluster.CoordinatorNode.HasExited, "the coordinator stopped:\n" + cluster.CoordinatorNode.Output);
        Assert.False(cluster.WorkerNode.HasExited, "the worker stopped:\n" + cluster.WorkerNode.Output);
        Assert.Equal(ClusterFixture.Sha256(Path.Combine(F.Dir, "run-out", "results.jsonl")), ClusterFixture.Sha256(Path.Combine(F.Dir, "out", "results.jsonl")));
        var telemetry = File.ReadAllLines(Path.Combine(F.Dir, "out", "telemetry.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(plan.Count, telemetry.Count);   // no trial was cancelled, re-assigned or forgotten: each ran once, on its first attempt
        Assert.All(telemetry, t => Assert.True(t.GetProperty("attempt").GetInt32() == 1 && t.GetProperty("faults").GetArrayLength() == 0, t.ToString()));
        var nodes = (await client.Status()).Nodes;
        Assert.True(nodes.Count == 2, "the cluster lists its nodes:\n" + cluster.CoordinatorNode.Output);
        Assert.Equal(2, nodes.Single(n => n.Roles.Contains("worker")).Slots);
    }

    private static string Axes(string name, int optimizers, int schedules, int warmups) =>
        $"name: {name}\ndata: {{ synthetic: blobs }}\ngrid:\n" +
        "  optimizer: [" + string.Join(", ", Enumerable.Range(1, optimizers).Select(k => $"{{ name: sgd, lr: {k}e-6 }}")) + "]\n" +
        "  schedule: [" + string.Join(", ", Enumerable.Range(1, schedules).Select(k => $"{{ name: cyclic, step_size_up: {k} }}")) + "]\n" +
        "  warmup: [" + string.Join(", ", Enumerable.Range(1, warmups).Select(k => $"{{ steps: {k} }}")) + "]\n";

    private static string Submission(string spec) => JsonSerializer.Serialize(new { spec, file = "hostile.yaml", data = Array.Empty<object>() });

    private static async Task Garbage(int port, byte[] bytes)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        try
        {
            await tcp.GetStream().WriteAsync(bytes);
            await Task.Delay(100);
        }
        catch (IOException) { }   // the node closed the connection: it should
    }

}
