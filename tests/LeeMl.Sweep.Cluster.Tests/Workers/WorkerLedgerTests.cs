using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Cluster.Workers;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Cluster.Tests.Workers;

/// <summary>The worker's bookkeeping in process: events in, effects out, the clock passed in; no actor and no thread.</summary>
public sealed class WorkerLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly StubTrialKind Kind = new((_, _) => throw new InvalidOperationException("the ledger runs nothing"));

    private static JobPlan Plan(string job, string extra = "")
    {
        var spec = SpecParser.Parse($"""
            name: {job}
            data: {"{"} synthetic: blobs, samples: 60, features: 2 {"}"}
            models: [logistic]
            epochs: 9
            seeds: [1, 2, 3, 4]
            grid:
              optimizer: [ {"{"} name: sgd, lr: 0.1 {"}"} ]
            {extra}
            """, job);
        return new JobPlan(spec, new TrialPlan(spec), new DataLoader((string?)null), Kind);
    }

    private static TrialResult Result(SlotRun run, int epochs) =>
        new(run.Spec.Key, "logistic", "sgd(lr=0.1)", null, null, null, run.Spec.Seed, TrialOutcome.Completed, null, null, 0.9, 0.8, 0.7, 0.2, 0.3, 1, null,
            [.. Enumerable.Range(1, epochs).Select(e => new EpochResult(e, e, 0.1, 0.3, 0.9, 0.3, 0.8, 0.5))]);

    private static List<T> Of<T>(IEnumerable<WorkerEffect> effects) where T : IJobMessage =>
        [.. effects.OfType<WorkerEffect.ToJob>().Select(j => j.Message).OfType<T>()];

    /// <summary>A ledger holding <paramref name="count"/> trials of job "a" with its plan ready; returns their runs in order.</summary>
    private static List<SlotRun> Holding(WorkerLedger ledger, int count, string extra = "", DateTimeOffset? at = null)
    {
        var now = at ?? T0;
        var asked = ledger.Assigned("a", [.. Enumerable.Range(0, count).Select(i => new TrialTicket(i, 1))], "coordinator", now);
        Assert.Single(Of<GetJobSpec>(asked));   // the spec is fetched once for all the job's trials
        return [.. ledger.PlanReady("a", Plan("a", extra), now).OfType<WorkerEffect.Run>().Select(r => r.Trial)];
    }

    [Fact]
    public void A_result_whose_acknowledgement_is_lost_is_sent_again_until_the_store_acknowledges_it()
    {
        var ledger = new WorkerLedger("w:1", 1);
        var run = Holding(ledger, 1).Single();
        ledger.SlotStarted(run, T0);
        var sent = Of<TrialFinished>(ledger.SlotDone(run, Result(run, 3), null, 1.5, T0));
        Assert.Equal(1.5, Assert.Single(sent).Seconds);
        Assert.Empty(Of<TrialFinished>(ledger.Tick(T0 + TimeSpan.FromSeconds(4))));   // not yet due
        Assert.Single(Of<TrialFinished>(ledger.Tick(T0 + TimeSpan.FromSeconds(6))));   // the acknowledgement never came: again
        var holds = Of<WorkerHolds>(ledger.Tick(T0 + TimeSpan.FromSeconds(7)));
        Assert.Equal([new HeldTrial(0, 1, true)], Assert.Single(holds).Trials);         // the job learns the node still holds it
        ledger.Stored(new ResultsStored("a", [0L]), T0);
        Assert.Equal(0, ledger.Unacknowledged);
        Assert.Empty(Of<TrialFinished>(ledger.Tick(T0 + TimeSpan.FromSeconds(30))));
    }

    [Fact]
    public void A_long_curve_goes_ahead_in_chunks_within_a_window_and_the_result_follows_the_last_stored_chunk()
    {
        var ledger = new WorkerLedger("w:1", 1);
        var run = Holding(ledger, 1).Single();
        var chunks = ProtocolLimits.ChunkEpochs;
        var effects = ledger.SlotDone(run, Result(run, chunks * 6 + 1), null, 2, T0);   // 7 chunks
        Assert.Equal([0, 1, 2, 3], Of<CurveChunk>(effects).Select(c => c.Chunk));        // the window is full
        Assert.Empty(Of<TrialFinished>(effects));
        Assert.Equal([4], Of<CurveChunk>(ledger.ChunkStored(new ChunkStored("a", 0, 0), T0)).Select(c => c.Chunk));
        foreach (var c in new[] { 1, 2, 3, 4, 5 }) effects = ledger.ChunkStored(new ChunkStored("a", 0, c), T0);
        Assert.Empty(Of<TrialFinished>(effects));   // chunk 6 is not stored yet
        var finished = Assert.Single(Of<TrialFinished>(ledger.ChunkStored(new ChunkStored("a", 0, 6), T0)));
        Assert.Equal(7, finished.ChunksAhead);
        Assert.Empty(finished.Result.Epochs);
    }

    [Fact]
    public void A_trial_paused_at_a_rung_frees_its_slot_reports_its_score_until_decided_and_goes_before_new_work()
    {
        var ledger = new WorkerLedger("w:1", 1);
        var runs = Holding(ledger, 2, "early_stopping: { method: asha, grace_epochs: 1, reduction: 3 }");
        Assert.Equal([1, 3], runs[0].Plan.Rungs);
        Assert.Equal(1, runs[0].Plan.NextStop(0));
        Assert.Equal(9, runs[0].Plan.NextStop(3));
        ledger.SlotStarted(runs[0], T0);
        Assert.Equal(1, ledger.Running);
        var paused = ledger.SlotPaused(runs[0], 0.75, 0.5, T0);
        Assert.Equal((0L, 1, 0.75), Of<TrialRung>(paused).Select(r => (r.Index, r.Rung, r.Score)).Single());
        Assert.Equal((0, 1), (ledger.Running, ledger.Paused));
        // The slot trains the other trial meanwhile; time a slot stands idle while a trial waits is counted.
        ledger.SlotStarted(runs[1], T0);
        ledger.SlotDone(runs[1], Result(runs[1], 9), null, 1, T0 + TimeSpan.FromSeconds(1));
        Assert.Equal(0, ledger.IdleWaitingSeconds);
        Assert.Single(Of<TrialRung>(ledger.Tick(T0 + TimeSpan.FromSeconds(7))));        // no decision yet: reported again
        Assert.Equal(6, ledger.IdleWaitingSeconds, 9);
        Assert.Empty(ledger.Decided(new RungDecision("a", 0, 2, true), T0));            // a decision for another rung is not this one
        var go = Assert.Single(ledger.Decided(new RungDecision("a", 0, 1, true), T0 + TimeSpan.FromSeconds(8)).OfType<WorkerEffect.Run>());
        Assert.True(go.Resumed);
        Assert.Same(runs[0], go.Trial);
        ledger.SlotStarted(runs[0], T0);
        ledger.SlotPaused(runs[0], 0.7, 0.5, T0);
        var stop = Assert.Single(ledger.Decided(new RungDecision("a", 0, 2, false), T0).OfType<WorkerEffect.Stop>());
        Assert.Equal(2, stop.Trial.StopAtRung);
        var finished = Assert.Single(Of<TrialFinished>(ledger.SlotDone(runs[0], Result(runs[0], 3) with { Outcome = TrialOutcome.Stopped }, null, 0, T0)));
        Assert.Equal(1.0, finished.Seconds);   // both stretches it trained
        Assert.Equal([0.8, 0.8], finished.RungScores!);
    }

    [Fact]
    public void The_plan_cache_keeps_the_most_recently_used_jobs_and_never_evicts_one_with_trials_on_this_node()
    {
        var ledger = new WorkerLedger("w:1", 64);
        var busy = Holding(ledger, 1);   // job "a" keeps a trial here throughout
        var jobs = Enumerable.Range(0, WorkerLedger.PlansKept + 3).Select(i => $"j{i}").ToList();
        foreach (var job in jobs)
        {
            var run = ledger.PlanReady(job, Plan(job), T0);   // nothing waits for it: ignored
            Assert.Empty(run);
            Assert.Single(Of<GetJobSpec>(ledger.Assigned(job, [new TrialTicket(0, 1)], "c", T0)));
            var started = ledger.PlanReady(job, Plan(job), T0).OfType<WorkerEffect.Run>().Single().Trial;
            ledger.SlotDone(started, Result(started, 1), null, 0.1, T0);
        }
        Assert.Contains("a", ledger.CachedPlans);   // the oldest, but its trial is still here
        Assert.Equal(WorkerLedger.PlansKept, ledger.CachedPlans.Count);
        Assert.DoesNotContain("j0", ledger.CachedPlans);
        Assert.Contains(jobs[^1], ledger.CachedPlans);
        // An evicted job's next trial fetches its spec again; a cached one's does not.
        Assert.Single(Of<GetJobSpec>(ledger.Assigned("j0", [new TrialTicket(1, 1)], "c", T0)));
        Assert.Empty(Of<GetJobSpec>(ledger.Assigned(jobs[^1], [new TrialTicket(1, 1)], "c", T0)));
        Assert.Single(busy);
    }

    [Fact]
    public void It_asks_for_its_slots_plus_a_prefetch_no_more_often_than_every_few_seconds_and_cancelling_a_job_stops_its_runs()
    {
        var ledger = new WorkerLedger("w:1", 4);
        var ask = Assert.Single(ledger.Start(T0).OfType<WorkerEffect.ToDispatcher>()).Message;
        Assert.Equal(new RequestWork("w:1", 4 + 20) { IdleSlots = 4 }, ask);   // 50 ms trials assumed until measured: a quarter second of prefetch per slot; all four slots idle
        Assert.Empty(ledger.WorkAvailable(T0 + TimeSpan.FromSeconds(1)));   // asked a moment ago
        var runs = Holding(ledger, 3, at: T0 + TimeSpan.FromSeconds(2));
        ledger.SlotStarted(runs[0], T0);
        var cancels = ledger.Cancelled("a", T0).OfType<WorkerEffect.Cancel>().ToList();
        Assert.Equal(3, cancels.Count);
        Assert.All(cancels, c => Assert.False(c.Idle));
        Assert.Equal((0, 0, 0), (ledger.Running, ledger.Paused, ledger.Queued));
        Assert.Empty(ledger.SlotDone(runs[0], Result(runs[0], 1), null, 1, T0).OfType<WorkerEffect.ToJob>());   // a cancelled run's result is dropped
        Assert.DoesNotContain("a", ledger.CachedPlans);
    }

    [Fact]
    public void A_worker_whose_results_wait_for_the_store_asks_for_no_more_than_its_window_and_asks_again_once_they_are_stored()
    {
        var ledger = new WorkerLedger("w:1", 4, window: 6);
        var runs = Holding(ledger, 4);
        foreach (var run in runs)   // tiny trials: the prefetch grows to its cap
        {
            ledger.SlotStarted(run, T0);
            ledger.SlotDone(run, Result(run, 1), null, 0.0001, T0);
        }
        Assert.Equal(4, ledger.Unacknowledged);
        Assert.Equal(2, ledger.Capacity);   // the results the store has not acknowledged bound it, not the prefetch
        var asked = ledger.Stored(new ResultsStored("a", [.. runs.Select(r => r.Ticket.Index)]), T0 + TimeSpan.FromSeconds(11));
        Assert.Equal(0, ledger.Unacknowledged);
        Assert.Equal(new RequestWork("w:1", 6) { IdleSlots = 4 }, Assert.Single(asked.OfType<WorkerEffect.ToDispatcher>()).Message);   // stored: it asks again at once, for its window
    }

    [Fact]
    public void Leaving_hands_every_held_trial_back_per_job_and_sends_unacknowledged_results_once_more()
    {
        var ledger = new WorkerLedger("w:1", 2);
        var runs = Holding(ledger, 3);
        ledger.SlotDone(runs[0], Result(runs[0], 1), null, 1, T0);
        var (effects, handBacks) = ledger.Leave(T0);
        Assert.Equal([1L, 2L], Assert.Single(handBacks).Indexes);
        Assert.Single(Of<TrialFinished>(effects));
        Assert.Equal(2, effects.OfType<WorkerEffect.Cancel>().Count());
        Assert.Empty(ledger.Tick(T0 + TimeSpan.FromSeconds(10)));   // a leaving node asks for nothing more
    }

    [Fact]
    public void Trials_that_need_a_gpu_wait_for_a_free_one_and_never_share_a_device()
    {
        var spec = SpecParser.Parse("name: g\nprogram: { command: [python3, p.py], objective: { metric: a }, resources: { gpus: 1 } }\nepochs: 1\ngrid: { n: [1, 2, 3] }\n", "g.yaml");
        var plan = new JobPlan(spec, new TrialPlan(spec), new DataLoader((string?)null), Kind);
        var ledger = new WorkerLedger("w:1", 4) { Programs = true, Gpus = [0, 1] };
        Assert.Single(Of<GetJobSpec>(ledger.Assigned("g", [new TrialTicket(0, 1), new TrialTicket(1, 1), new TrialTicket(2, 1)], "coordinator", T0)));
        var started = ledger.PlanReady("g", plan, T0).OfType<WorkerEffect.Run>().Select(r => r.Trial).ToList();
        Assert.Equal([[0], [1]], started.Select(r => r.Gpus.ToArray()));   // two devices, two trials; the third waits
        Assert.Equal((0, 2), (ledger.FreeGpus + 1, ledger.GpusBusy));       // and is promised the next free one
        var ask = ledger.Tick(T0 + WorkerLedger.AskAgainAfter).OfType<WorkerEffect.ToDispatcher>().Select(d => d.Message).OfType<RequestWork>().Single();
        Assert.True(ask.Programs);
        Assert.Equal(0, ask.FreeGpus);                                       // the jobs are asked for no GPU trial now

        var next = ledger.SlotDone(started[0], null, null, 1, T0).OfType<WorkerEffect.Run>().Single().Trial;   // device 0 comes free
        Assert.Equal([0], next.Gpus);
        Assert.Empty(started[0].Gpus);
        Assert.Equal(2, ledger.GpusBusy);
    }
}
