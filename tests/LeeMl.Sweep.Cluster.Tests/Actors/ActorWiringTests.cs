using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using LeeMl.Sweep.Cluster.Dispatch;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Jobs;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Cluster.Reports;
using LeeMl.Sweep.Cluster.Workers;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Tests.Actors;

/// <summary>
/// The actors as shells around their state machines, with Akka.TestKit: a job entity over a real
/// SQLite store, and a worker, each talking to probes in place of the rest of the cluster.
/// </summary>
public sealed class ActorWiringTests : TestKit, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-actors-").FullName;

    private const string Spec = """
        name: wiring
        data: { synthetic: blobs, samples: 200, features: 2, seed: 1 }
        models: [logistic, gaussian-shared]
        epochs: 2
        seeds: [1]
        grid:
          optimizer: [ { name: sgd, lr: 0.1 } ]
        """;

    public ActorWiringTests() : base(ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.loglevel = WARNING
        """))
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.State.Members.Any(m => m.Status == Akka.Cluster.MemberStatus.Up), TimeSpan.FromSeconds(20));
    }

    public new void Dispose()
    {
        base.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>Stands at /user/worker (a job entity only remembers its node's worker actor) and forwards to a probe.</summary>
    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }

    private static TrialResult Result(string key) =>
        new(key, "logistic", "sgd(lr=0.1)", null, null, null, 1, TrialOutcome.Completed, null, null, 0.9, 0.8, 0.7, 0.2, 0.3, 1,
            null, [new EpochResult(1, 6, 0.1, 0.3, 0.9, 0.3, 0.8, 0.5)]);

    [Fact]
    public async Task A_job_entity_recovers_from_the_store_hands_out_trials_commits_and_acknowledges_results_and_ends_after_its_final_report()
    {
        await using var store = await SweepStores.Open(Path.Combine(_dir, "s.db"));
        await store.CreateJob(new NewJob("job-1", "wiring", Spec, "[]", 2));
        var dispatcher = CreateTestProbe();
        var reports = CreateTestProbe();
        var workerProbe = CreateTestProbe();
        var worker = Sys.ActorOf(Props.Create(() => new Forwarder(workerProbe.Ref)), JobEntity.WorkerName);
        var services = new NodeServices(store, "local", new JobSettings()) { Dispatcher = dispatcher.Ref, Reports = reports.Ref };
        var entity = Sys.ActorOf(JobEntity.Props("job-1", services), "job-1");

        Assert.Equal(new JobPending("job-1", 2), dispatcher.ExpectMsg<JobPending>(TimeSpan.FromSeconds(10)));
        entity.Tell(new OfferSlots("job-1", "ignored", 5), worker);
        var assigned = workerProbe.ExpectMsg<AssignTrials>();
        Assert.Equal([0L, 1L], assigned.Trials.Select(t => t.Index));

        entity.Tell(new TrialFinished("job-1", 0, 1, "ignored", Result("logistic|sgd(lr=0.1)|-|-|-|seed=1"), 0, 0.5), worker);
        Assert.Equal([0L], workerProbe.ExpectMsg<ResultsStored>(TimeSpan.FromSeconds(10)).Indexes);
        entity.Tell(new TrialFinished("job-1", 1, 1, "ignored", Result("gaussian-shared|-|-|-|-|seed=1") with { Optimizer = null, Epochs = [] }, 0, 0.1), worker);
        Assert.Equal([1L], workerProbe.ExpectMsg<ResultsStored>(TimeSpan.FromSeconds(10)).Indexes);

        var render = reports.ExpectMsg<RenderReport>(r => r.Final, TimeSpan.FromSeconds(10));
        Assert.Equal(2, render.Progress.Done);
        reports.Reply(new ReportRendered("job-1", true, null));
        await AwaitConditionAsync(async () => (await store.GetJob("job-1"))!.State == JobState.Done, TimeSpan.FromSeconds(10));
        var status = await entity.Ask<LeeMl.Sweep.Cluster.Protocol.JobView>(new GetJobStatus("job-1"), TimeSpan.FromSeconds(5));
        Assert.Equal((JobState.Done, 2L), (status.State, status.Done));
        // A late duplicate is acknowledged without a second write.
        entity.Tell(new TrialFinished("job-1", 0, 1, "ignored", Result("logistic|sgd(lr=0.1)|-|-|-|seed=1"), 0, 0.5), worker);
        Assert.Equal([0L], workerProbe.ExpectMsg<ResultsStored>().Indexes);
        Assert.Equal(2, await store.Results("job-1", withCurves: false).CountAsync());
    }

    [Fact]
    public async Task A_worker_asks_for_work_fetches_the_spec_once_trains_and_sends_each_result_until_it_is_acknowledged_and_hands_back_when_it_leaves()
    {
        var dispatcher = CreateTestProbe();
        var jobs = CreateTestProbe();
        var release = new ManualResetEventSlim(false);
        var kind = new Workers.StubTrialKind((trial, cancel) =>
        {
            if (trial.Index == 1) release.Wait(cancel);   // the second trial runs until the worker leaves
            return Result(trial.Key);
        });
        var worker = Sys.ActorOf(TrialWorker.Props(new WorkerOptions("local", 1, null) { Kind = kind }, dispatcher.Ref, jobs.Ref));
        dispatcher.FishForMessage(m => m is RequestWork, TimeSpan.FromSeconds(5));
        worker.Tell(new AssignTrials("job-1", [new TrialTicket(0, 1), new TrialTicket(1, 1)]), jobs.Ref);
        Assert.Equal("job-1", jobs.ExpectMsg<GetJobSpec>().JobId);
        jobs.Reply(new JobSpecText("job-1", Spec, "[]"));
        var finished = jobs.FishForMessage<TrialFinished>(m => m is TrialFinished, TimeSpan.FromSeconds(10));
        Assert.Equal(0, finished.Index);
        // Unacknowledged, it comes again; acknowledged, it stops.
        Assert.Equal(0, jobs.FishForMessage<TrialFinished>(m => m is TrialFinished, TimeSpan.FromSeconds(10)).Index);
        worker.Tell(new ResultsStored("job-1", [0L]));
        var back = worker.Ask<HandBackDone>(TrialWorker.Leave.Instance, TimeSpan.FromSeconds(10));
        var handBack = jobs.FishForMessage<HandBack>(m => m is HandBack, TimeSpan.FromSeconds(5));
        Assert.Equal([1L], handBack.Indexes);
        jobs.Reply(new HandBackDone("job-1", 1));
        Assert.Equal(1, (await back).Trials);
        release.Set();
    }
}
