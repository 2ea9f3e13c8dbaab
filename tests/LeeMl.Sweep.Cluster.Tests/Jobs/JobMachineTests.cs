using LeeMl.Sweep.Cluster.Jobs;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Tests.Jobs;

/// <summary>The job's state machine alone: events in, decisions out, in process and without a clock of its own.</summary>
public sealed class JobMachineTests
{
    /// <summary>2 models × 2 optimizers × 2 seeds (+ a closed-form baseline per seed): 6 trials.</summary>
    private const string Spec = """
        name: m
        data: { synthetic: blobs, samples: 100 }
        models: [logistic, gaussian-shared]
        seeds: [1, 2]
        grid:
          optimizer: [ { name: sgdm, lr: 0.1 }, { name: adam } ]
        """;

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TrialPlan Plan = new(SpecParser.Parse(Spec, "m.yaml"));

    private static JobMachine Started(JobSettings? settings = null, long epoch = 1, IEnumerable<(long, TrialOutcome, double)>? done = null, JobState state = JobState.Running)
    {
        var m = new JobMachine("j", "m", Plan, settings ?? new JobSettings());
        var job = new StoredJob("j", "m", Spec, "[]", state, Plan.Count, JobCounts.None, T0, T0, null, epoch, "n0");
        m.Recover(new JobClaim(epoch, job), done ?? [], [], T0);
        return m;
    }

    private static TrialResult Result(long index, TrialOutcome outcome = TrialOutcome.Completed, double validation = 0.5) =>
        TrialRunnerStandIn(Plan.At(index), outcome, validation);

    private static TrialResult TrialRunnerStandIn(TrialSpec t, TrialOutcome outcome, double validation) =>
        new(t.Key, t.Model.ToString(), t.Optimizer?.ToString(), null, null, null, t.Seed, outcome, null, null, 0.9, validation, 0.8, 0.1, 0.2, 1, null, []);

    private static TrialFinished Finished(long index, string node, double seconds = 1, int attempt = 1) => new("j", index, attempt, node, Result(index), 0, seconds);

    private static IReadOnlyList<TrialTicket> Tickets(IReadOnlyList<JobEffect> effects) => Assert.IsType<JobEffect.Assign>(Assert.Single(effects)).Trials;

    private static CommitBatch Batch(IReadOnlyList<JobEffect> effects) => Assert.Single(effects.OfType<JobEffect.Commit>()).Batch;

    /// <summary>Commits a batch as the store would: every result in it is new.</summary>
    private static IReadOnlyList<JobEffect> Commit(JobMachine m, CommitBatch b, JobCounts before)
    {
        var counts = b.Results.Aggregate(before, (c, r) => c.Add(r.Result.Outcome, r.Result.ValidationAccuracy));
        return m.Committed(b, new CommitOutcome(false, [.. b.Results.Select(r => r.Index)], counts), T0);
    }

    [Fact]
    public void A_job_hands_out_its_trials_in_order_commits_each_result_and_ends_done_after_its_final_report()
    {
        var m = Started();
        Assert.Equal(6, m.Pending);
        var first = Tickets(m.Offer("a", 4, T0));
        Assert.Equal([0L, 1, 2, 3], first.Select(t => t.Index));
        Assert.All(first, t => Assert.Equal(1, t.Attempt));
        var rest = Tickets(m.Offer("b", 10, T0));
        Assert.Equal([4L, 5], rest.Select(t => t.Index));
        Assert.Empty(Tickets(m.Offer("b", 10, T0)));

        var counts = JobCounts.None;
        for (long i = 0; i < 6; i++)
        {
            var effects = m.Finished(Finished(i, i < 4 ? "a" : "b"), T0);
            var batch = Batch(effects);
            var committed = Commit(m, batch, counts);
            counts = batch.Results.Aggregate(counts, (c, r) => c.Add(r.Result.Outcome, r.Result.ValidationAccuracy));
            var ack = Assert.Single(committed.OfType<JobEffect.Ack>());
            Assert.Equal(i < 4 ? "a" : "b", ack.Node);
            Assert.Equal([i], ack.Indexes);
            if (i < 5) Assert.DoesNotContain(committed, e => e is JobEffect.Report);
            else
            {
                Assert.Contains(new JobEffect.PersistState(JobState.Reporting), committed);
                Assert.Contains(new JobEffect.Report(Final: true), committed);
            }
        }
        Assert.Equal(JobState.Reporting, m.State);
        Assert.Equal([new JobEffect.PersistState(JobState.Done)], m.FinalReportWritten(T0));
        Assert.Equal(JobState.Done, m.State);
        Assert.Equal(6, m.View(T0, "n0", T0).Done);
    }

    [Fact]
    public void Results_arriving_during_a_commit_wait_for_the_next_one_and_a_duplicate_is_acknowledged_without_a_write()
    {
        var m = Started();
        Tickets(m.Offer("a", 6, T0));
        var b1 = Batch(m.Finished(Finished(0, "a"), T0));
        Assert.Empty(m.Finished(Finished(1, "a"), T0));   // one commit in flight at a time
        Assert.Empty(m.Finished(Finished(2, "a"), T0));
        var after = Commit(m, b1, JobCounts.None);
        var b2 = Batch(after);
        Assert.Equal([1L, 2], b2.Results.Select(r => r.Index).Order());   // both in one group commit
        Commit(m, b2, JobCounts.None.Add(TrialOutcome.Completed, 0.5));
        var duplicate = m.Finished(Finished(1, "b"), T0);
        Assert.Equal([new JobEffect.Ack("b", [1L])], duplicate.Select(e => e is JobEffect.Ack a ? new JobEffect.Ack(a.Node, [.. a.Indexes]) : e).ToList(), new AckComparer());
    }

    private sealed class AckComparer : IEqualityComparer<JobEffect>
    {
        public bool Equals(JobEffect? x, JobEffect? y) => x is JobEffect.Ack a && y is JobEffect.Ack b && a.Node == b.Node && a.Indexes.SequenceEqual(b.Indexes);
        public int GetHashCode(JobEffect obj) => 0;
    }

    [Fact]
    public void A_fenced_commit_stops_the_job_here()
    {
        var m = Started();
        Tickets(m.Offer("a", 1, T0));
        var batch = Batch(m.Finished(Finished(0, "a"), T0));
        var effects = m.Committed(batch, new CommitOutcome(true, [], JobCounts.None), T0);
        Assert.IsType<JobEffect.Fenced>(Assert.Single(effects));
        Assert.False(m.IsDone(0));
    }

    [Fact]
    public void A_node_fault_is_retried_elsewhere_first_and_after_the_last_attempt_the_trial_fails_and_the_job_ends_failed()
    {
        var m = Started(new JobSettings { MaxAttempts = 2, QuarantineAfter = 10, RetryElsewhereFor = TimeSpan.FromSeconds(5) });
        Assert.Equal(0, Tickets(m.Offer("bad", 1, T0)).Single().Index);
        var faultOnly = Batch(m.Fault("bad", 0, 1, "cache not writable", T0));
        Assert.Empty(faultOnly.Results);
        Assert.Single(faultOnly.Faults);
        Commit(m, faultOnly, JobCounts.None);
        // The same node does not get it back at once; another node does, as attempt 2.
        Assert.Equal(1, Tickets(m.Offer("bad", 1, T0.AddSeconds(1))).Single().Index);
        var retry = Tickets(m.Offer("good", 1, T0.AddSeconds(1))).Single();
        Assert.Equal((0L, 2), (retry.Index, retry.Attempt));
        var effects = m.Fault("good", 0, 2, "out of memory", T0.AddSeconds(2));
        var failed = Batch(effects).Results.Single(r => r.Index == 0);
        Assert.Equal(TrialOutcome.Failed, failed.Result.Outcome);
        Assert.Contains("failed on 2 attempts (node faults); last: out of memory", failed.Result.Error);
        Assert.Single(Batch(effects).Faults);
        var view = m.View(T0, "n0", T0);
        Assert.Contains(view.Errors, e => e.Error == "cache not writable");

        // The other trials complete; the job then ends failed, because one trial failed.
        var counts = JobCounts.None;
        var pending = m.Committed(Batch(effects), new CommitOutcome(false, [0L], counts = counts.Add(TrialOutcome.Failed, double.NaN)), T0);
        foreach (var t in Tickets(m.Offer("good", 10, T0.AddSeconds(3))).Append(new TrialTicket(1, 1)))
        {
            var batch = Batch(m.Finished(Finished(t.Index, "good"), T0));
            pending = m.Committed(batch, new CommitOutcome(false, [t.Index], counts = counts.Add(TrialOutcome.Completed, 0.5)), T0);
        }
        Assert.Contains(new JobEffect.Report(Final: true), pending);
        Assert.Equal([new JobEffect.PersistState(JobState.Failed)], m.FinalReportWritten(T0));
    }

    [Fact]
    public void A_node_with_consecutive_faults_is_quarantined_for_a_while_and_shown_with_the_reason()
    {
        var m = Started(new JobSettings { QuarantineAfter = 2, Quarantine = TimeSpan.FromSeconds(10), RetryElsewhereFor = TimeSpan.Zero });
        var t = Tickets(m.Offer("bad", 2, T0));
        m.Fault("bad", t[0].Index, 1, "no data", T0);
        Assert.Equal(0, m.QuarantinesTotal);
        m.Fault("bad", t[1].Index, 1, "no data", T0);
        Assert.Equal(1, m.QuarantinesTotal);   // what the coordinator's metrics count
        Assert.Empty(Tickets(m.Offer("bad", 4, T0.AddSeconds(5))));
        var q = Assert.Single(m.View(T0.AddSeconds(5), "n0", T0).Quarantined);
        Assert.Equal("bad", q.Node);
        Assert.Contains("2 node faults in a row; last: no data", q.Reason);
        Assert.NotEmpty(Tickets(m.Offer("good", 4, T0.AddSeconds(5))));
        Assert.NotEmpty(Tickets(m.Offer("bad", 4, T0.AddSeconds(11))));   // the quarantine ends
        Assert.Empty(m.View(T0.AddSeconds(11), "n0", T0).Quarantined);
    }

    [Fact]
    public void A_node_that_leaves_gives_its_trials_to_others_with_the_attempt_counted_and_a_hand_back_counts_none()
    {
        var m = Started(new JobSettings { RetryElsewhereFor = TimeSpan.Zero });
        Tickets(m.Offer("dead", 2, T0));
        Tickets(m.Offer("leaving", 2, T0));
        m.NodeGone("dead", T0);
        m.HandBack("leaving", [2L, 3L]);
        var again = Tickets(m.Offer("other", 10, T0));
        Assert.Equal([(0L, 2), (1L, 2), (2L, 1), (3L, 1), (4L, 1), (5L, 1)], again.Select(t => (t.Index, t.Attempt)).OrderBy(x => x.Index));
    }

    [Fact]
    public void A_recovered_job_waits_for_heartbeats_adopts_what_workers_still_train_and_skips_what_is_done()
    {
        var m = Started(epoch: 2, done: [(0L, TrialOutcome.Completed, 1.0)]);
        Assert.Equal(5, m.Pending);
        Assert.Empty(Tickets(m.Offer("w", 10, T0.AddSeconds(0.5))));   // inside the adoption grace
        m.Holds("w", [new HeldTrial(1, 1, Running: true), new HeldTrial(0, 1, Running: true)], T0.AddSeconds(1));
        var view = m.View(T0.AddSeconds(1), "n0", T0);
        Assert.Equal(1, view.Running);
        var handed = Tickets(m.Offer("w", 10, T0.AddSeconds(3)));
        Assert.Equal([2L, 3, 4, 5], handed.Select(t => t.Index));   // 0 is done, 1 is adopted
    }

    [Fact]
    public void A_trial_a_worker_stops_listing_is_assigned_again_after_a_while()
    {
        var m = Started(new JobSettings { LostAfter = TimeSpan.FromSeconds(5) });
        Tickets(m.Offer("w", 2, T0));
        m.Holds("w", [new HeldTrial(0, 1, true)], T0.AddSeconds(2));   // 1 may still be on its way
        Assert.Equal([2L], Tickets(m.Offer("x", 1, T0.AddSeconds(2))).Select(t => t.Index));
        m.Holds("w", [new HeldTrial(0, 1, true)], T0.AddSeconds(6));   // 1 was lost
        Assert.Equal([1L, 3], Tickets(m.Offer("x", 2, T0.AddSeconds(6))).Select(t => t.Index));
    }

    [Fact]
    public void Cancel_stops_a_running_job_and_says_so_of_one_that_had_ended()
    {
        var m = Started();
        Tickets(m.Offer("w", 2, T0));
        var (outcome, effects) = m.Cancel(T0);
        Assert.Equal(CancelOutcome.Cancelled, outcome);
        Assert.Equal(["w"], Assert.Single(effects.OfType<JobEffect.CancelOn>()).Nodes);
        Assert.Contains(new JobEffect.PersistState(JobState.Cancelled), effects);
        Assert.Empty(Tickets(m.Offer("w", 2, T0)));
        Assert.Equal(0, m.Pending);
        Assert.Equal(CancelOutcome.AlreadyOver, m.Cancel(T0).Outcome);
        Assert.Equal(CancelOutcome.AlreadyOver, Started(state: JobState.Done).Cancel(T0).Outcome);
    }

    [Fact]
    public void A_job_recovered_with_every_result_stored_goes_straight_to_its_final_report()
    {
        var m = new JobMachine("j", "m", Plan, new JobSettings());
        var job = new StoredJob("j", "m", Spec, "[]", JobState.Running, Plan.Count, new JobCounts(6, 0, 0, 0, 0.7), T0, T0, null, 3, "n0");
        var effects = m.Recover(new JobClaim(3, job), Enumerable.Range(0, 6).Select(i => ((long)i, TrialOutcome.Completed, 1.0)), [], T0);
        Assert.Contains(new JobEffect.Report(Final: true), effects);
        Assert.Equal(JobState.Reporting, m.State);
        Assert.Equal(0.7, m.View(T0, "n0", T0).BestValidation);   // restored from the store
    }

    [Fact]
    public void The_eta_weighs_the_remaining_trials_by_what_trials_of_their_model_cost()
    {
        var m = Started();
        var all = Tickets(m.Offer("w", 6, T0));
        // The two closed-form trials (1 ms each) finish first; the logistic ones take 10 s.
        var closed = all.Where(t => Plan.At(t.Index).IsClosedForm).ToList();
        var counts = JobCounts.None;
        foreach (var t in closed)
        {
            var batch = Batch(m.Finished(Finished(t.Index, "w", seconds: 0.001), T0));
            Commit(m, batch, counts);
            counts = counts.Add(TrialOutcome.Completed, 0.5);
        }
        var logistic = all.First(t => !Plan.At(t.Index).IsClosedForm);
        Commit(m, Batch(m.Finished(Finished(logistic.Index, "w", seconds: 10), T0)), counts);
        var view = m.View(T0.AddSeconds(10), "n0", T0);
        // 3 of 4 logistic trials remain, at 10 s each, done at the pace of 10 s of work per 10 s: about 30 s, not "half done".
        Assert.InRange(view.EtaSeconds!.Value, 29, 31);
    }

    [Fact]
    public void A_result_under_another_key_or_outside_the_plan_is_refused_and_stores_nothing()
    {
        var m = Started();
        Tickets(m.Offer("a", 2, T0));
        var forged = Finished(0, "a") with { Result = Result(1) };
        Assert.IsType<JobEffect.Refused>(Assert.Single(m.Finished(forged, T0)));
        Assert.IsType<JobEffect.Refused>(Assert.Single(m.Finished(Finished(0, "a") with { Index = 99 }, T0)));
        Assert.Single(m.Finished(Finished(0, "a"), T0).OfType<JobEffect.Commit>());   // the true result still counts
    }

    private const string AshaSpec = """
        name: asha
        data: { synthetic: blobs, samples: 100 }
        models: [logistic]
        epochs: 9
        search: { method: random, samples: 6, seed: 1 }
        early_stopping: { method: asha, grace_epochs: 1, reduction: 3 }
        grid:
          optimizer: [ { name: sgd, lr: { log_uniform: [0.001, 0.1] } } ]
        """;

    [Fact]
    public void Early_stopping_decides_in_index_order_tells_each_holder_and_a_restarted_job_decides_the_same()
    {
        var plan = new TrialPlan(SpecParser.Parse(AshaSpec, "asha.yaml"));
        JobMachine Start(IEnumerable<(long, IReadOnlyList<double>)>? rungs = null)
        {
            var m = new JobMachine("j", "asha", plan, new JobSettings());
            var job = new StoredJob("j", "asha", AshaSpec, "[]", JobState.Running, plan.Count, JobCounts.None, T0, T0, null, 1, "n0");
            m.Recover(new JobClaim(1, job), (rungs ?? []).Select(r => (r.Item1, TrialOutcome.Stopped, 0.1)), [], T0, rungs);
            return m;
        }
        double[] scores = [0.5, 0.7, 0.6, 0.2, 0.9, 0.65];
        var m = Start();
        Assert.Equal(3, Tickets(m.Offer("a", 3, T0)).Count);
        Assert.Equal(3, Tickets(m.Offer("b", 3, T0)).Count);
        // Trial 4 (on b) reports first: nothing is decided before trials 0-3 have.
        Assert.Empty(m.Rung("b", 4, 1, 1, scores[4]));
        Assert.Empty(m.Rung("a", 1, 1, 1, scores[1]));
        var first = m.Rung("a", 0, 1, 1, scores[0]).Cast<JobEffect.Decide>().ToList();
        Assert.Equal([(0L, "a", true), (1L, "a", true)], first.Select(d => (d.Index, d.Node, d.Continue)));
        // n = 3 keeps 1 (0.7): 0.6 stops. Then trial 3 (0.2, n = 4 keeps 2) stops, and trial 4 (0.9) can be decided: on b.
        Assert.Equal((2L, false), m.Rung("a", 2, 1, 1, scores[2]).Cast<JobEffect.Decide>().Select(d => (d.Index, d.Continue)).Single());
        Assert.Equal([(3L, "b", false), (4L, "b", true)], m.Rung("b", 3, 1, 1, scores[3]).Cast<JobEffect.Decide>().Select(d => (d.Index, d.Node, d.Continue)));
        Assert.Equal([(5L, "b", false)], m.Rung("b", 5, 1, 1, scores[5]).Cast<JobEffect.Decide>().Select(d => (d.Index, d.Node, d.Continue)));   // n = 6 keeps 2 (0.9, 0.7)

        // A coordinator that restarts finds trials 2 and 3 committed (stopped at rung 1); the others report again, in another order.
        var restarted = Start([(2, [scores[2]]), (3, [scores[3]])]);
        Tickets(restarted.Offer("c", 6, T0));
        var again = new[] { 5L, 4, 1, 0 }.SelectMany(i => restarted.Rung("c", i, 1, 1, scores[i])).Cast<JobEffect.Decide>().ToDictionary(d => d.Index, d => d.Continue);
        Assert.Equal(new Dictionary<long, bool> { [0] = true, [1] = true, [4] = true, [5] = false }, again);
    }

    [Fact]
    public void Running_trials_have_live_curves_thinned_to_a_bound_that_leave_with_their_result_and_the_best_is_of_results_only()
    {
        var m = Started();
        Tickets(m.Offer("a", 2, T0));
        for (var e = 1; e <= 1000; e++) m.Progress(0, e, 0.5 + e / 4000.0, 0.4 + e / 4000.0);
        m.Progress(1, 3, 0.6, 0.99);
        var live = m.Live(10);
        Assert.Equal([Plan.At(0).Key, Plan.At(1).Key], live.Select(t => t.Key));
        var curve = live[0];
        Assert.Equal(1000, curve.Epoch);
        Assert.InRange(curve.PointEpochs.Count, JobMachine.LivePoints / 2, JobMachine.LivePoints);
        Assert.Equal(1, curve.PointEpochs[0]);
        Assert.Equal(1000, curve.PointEpochs[^1]);
        Assert.True(curve.PointEpochs.Zip(curve.PointEpochs.Skip(1)).All(p => p.First < p.Second), "epochs in order");
        Assert.Equal(0.4 + 1000 / 4000.0, curve.Validation[^1], 12);
        Assert.Single(m.Live(1));
        // A running trial's peak (0.99) is not a result: the best stays unknown until one is committed, and never drops.
        Assert.True(double.IsNaN(m.View(T0, "n0", T0).BestValidation));
        var effects = m.Finished(Finished(0, "a"), T0);
        Assert.Equal([Plan.At(1).Key], m.Live(10).Select(t => t.Key));
        Commit(m, Batch(effects), JobCounts.None);
        Assert.Equal(0.5, m.View(T0, "n0", T0).BestValidation);
    }

    private const string ProgramSpec = """
        name: p
        program:
          command: [python3, p.py]
          objective: { metric: acc }
          resources: { gpus: 2 }
        epochs: 1
        grid: { x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }
        """;

    private static JobMachine StartedProgram()
    {
        var plan = new TrialPlan(SpecParser.Parse(ProgramSpec, "p.yaml"));
        var m = new JobMachine("j", "p", plan, new JobSettings());
        m.Recover(new JobClaim(1, new StoredJob("j", "p", ProgramSpec, "[]", JobState.Running, plan.Count, JobCounts.None, T0, T0, null, 1, "n0")), [], [], T0);
        return m;
    }

    [Fact]
    public void A_programs_trials_go_only_to_workers_that_run_programs_and_no_more_than_their_free_gpus_hold()
    {
        var m = StartedProgram();
        Assert.Empty(Tickets(m.Offer("plain", 8, T0)));                                    // not started with --allow-programs
        Assert.Empty(Tickets(m.Offer("one-gpu", 8, T0, programs: true, freeGpus: 1)));     // a trial needs two
        Assert.Equal(2, Tickets(m.Offer("four-gpus", 8, T0, programs: true, freeGpus: 5)).Count);
        Assert.Equal(4, Tickets(Started().Offer("plain", 4, T0)).Count);                   // a built-in job asks for neither
    }

    [Fact]
    public void A_program_that_fails_on_most_of_its_first_trials_ends_the_job_failed_early()
    {
        var m = StartedProgram();
        var tickets = Tickets(m.Offer("w", 8, T0, programs: true, freeGpus: 16));
        var counts = JobCounts.None;
        IReadOnlyList<JobEffect> effects = [];
        foreach (var t in tickets.Take(6))
        {
            var trial = new TrialPlan(SpecParser.Parse(ProgramSpec, "p.yaml")).At(t.Index);
            var failed = TrialResult.FailedWith(trial, "the program exited with code 2");
            var finished = m.Finished(new TrialFinished("j", t.Index, t.Attempt, "w", failed, 0, 1), T0);
            foreach (var batch in finished.OfType<JobEffect.Commit>().Select(c => c.Batch).Concat(effects.OfType<JobEffect.Commit>().Select(c => c.Batch)))
            {
                counts = batch.Results.Aggregate(counts, (c, r) => c.Add(r.Result.Outcome, r.Result.ValidationAccuracy));
                effects = m.Committed(batch, new CommitOutcome(false, [.. batch.Results.Select(r => r.Index)], counts), T0);
            }
            if (m.State != JobState.Running) break;
        }
        Assert.Equal(JobState.Failed, m.State);
        Assert.Equal(5, counts.Done);   // ended at the fifth failure, not after all ten trials
        Assert.Contains(effects, e => e is JobEffect.CancelOn);
    }

    private const string TpeSpec = """
        name: tpe
        function: { name: branin }
        seeds: [1]
        grid: { x1: { uniform: [-5, 10] }, x2: { uniform: [0, 15] } }
        search: { method: tpe, samples: 8, seed: 2, parallelism: 2 }
        """;

    [Fact]
    public void A_tpe_job_hands_out_a_proposal_only_once_the_results_it_learns_from_are_committed_and_a_restarted_job_proposes_the_same()
    {
        var plan = new TrialPlan(SpecParser.Parse(TpeSpec, "tpe.yaml"));
        JobMachine Start(IEnumerable<(long Index, double? Objective)> committed)
        {
            var m = new JobMachine("j", "tpe", plan, new JobSettings());
            var job = new StoredJob("j", "tpe", TpeSpec, "[]", JobState.Running, plan.Count, JobCounts.None, T0, T0, null, 1, "n0");
            m.Recover(new JobClaim(1, job), committed.Select(c => (c.Index, TrialOutcome.Completed, 0.1)), [], T0, objectives: committed);
            return m;
        }
        var m = Start([]);
        // Samples 0-2 learn from nothing; sample 3 needs sample 0's result (parallelism 2).
        Assert.Equal(3, m.Pending);
        var first = Tickets(m.Offer("a", 8, T0));
        Assert.Equal([0L, 1, 2], first.Select(t => t.Index));
        Assert.All(first, t => Assert.Equal(2, t.Draws!.Count));
        Assert.Equal(0, m.Pending);
        Assert.Empty(Tickets(m.Offer("a", 8, T0.AddSeconds(1), idleSlots: 5)));   // five idle slots wait for the proposal

        double Value(TrialTicket t) => Experiments.Trials.FunctionTrial.Value(plan.Spec.Function!, plan.At(t.Index, t.Draws));
        TrialResult ResultOf(TrialTicket t) => TrialResult.FailedWith(plan.At(t.Index, t.Draws), "") with { Outcome = TrialOutcome.Completed, Error = null, Objective = Value(t) };
        // A result that has arrived does not count until it is committed.
        var effects = m.Finished(new TrialFinished("j", 0, 1, "a", ResultOf(first[0]), 0, 0.1), T0.AddSeconds(2));
        Assert.Equal(0, m.Pending);
        Commit(m, Batch(effects), JobCounts.None);
        Assert.Equal(1, m.Pending);
        var next = Tickets(m.Offer("a", 8, T0.AddSeconds(3)));
        Assert.Equal([3L], next.Select(t => t.Index));
        Assert.Equal(2 * 5, m.ProposalWaitSeconds, 9);   // 5 slots waited from the second offer to the next
        // A result under other values than the proposal's is refused.
        var forged = ResultOf(next[0]) with { Key = plan.At(3, [0.5, 0.5]).Key };
        Assert.IsType<JobEffect.Refused>(Assert.Single(m.Finished(new TrialFinished("j", 3, 1, "a", forged, 0, 0.1), T0)));

        // A coordinator that takes the job over from the store proposes the same values.
        var restarted = Start([(0, Value(first[0]))]);
        var again = Tickets(restarted.Offer("b", 8, T0));
        Assert.Equal([1L, 2, 3], again.Select(t => t.Index));   // trial 0 is done
        Assert.Equal(first.Skip(1).Concat(next).Select(t => t.Draws), again.Select(t => t.Draws));
    }

    [Fact]
    public void A_paused_job_hands_out_nothing_lets_its_running_trials_end_and_resumes_where_it_was()
    {
        var m = Started();
        var out1 = Tickets(m.Offer("a", 2, T0));
        var (problem, effects) = m.Pause(now: false);
        Assert.Null(problem);
        Assert.Equal([new JobEffect.PersistState(JobState.Paused)], effects);
        Assert.Equal(JobState.Paused, m.State);
        Assert.Equal(0, m.Pending);
        Assert.Empty(Tickets(m.Offer("b", 10, T0)));
        // A running trial ends and counts while paused.
        var counts = JobCounts.None;
        var batch = Batch(m.Finished(Finished(out1[0].Index, "a"), T0));
        Assert.Contains(Commit(m, batch, counts), e => e is JobEffect.Ack);
        Assert.Equal(1, m.DoneCount);
        Assert.True(m.Resume().Problem is null);
        Assert.Equal(JobState.Running, m.State);
        Assert.Equal([2L, 3, 4, 5], Tickets(m.Offer("b", 10, T0)).Select(t => t.Index));
        Assert.Empty(m.Resume().Effects);   // resuming a running job is no change
    }

    [Fact]
    public void Pausing_now_stops_the_trials_on_workers_and_hands_them_out_again_on_resume_with_no_attempt_counted()
    {
        var m = Started();
        Tickets(m.Offer("a", 3, T0));
        var (_, effects) = m.Pause(now: true);
        Assert.Equal(["a"], Assert.Single(effects.OfType<JobEffect.CancelOn>()).Nodes);
        Assert.Equal(0, m.OutOnWorkers);
        m.Resume();
        var again = Tickets(m.Offer("b", 10, T0));
        Assert.Equal([0L, 1, 2, 3, 4, 5], again.Select(t => t.Index).Order());
        Assert.All(again, t => Assert.Equal(1, t.Attempt));
    }

    [Fact]
    public void A_job_that_is_not_running_is_neither_paused_nor_resumed_and_a_held_job_settles_once_nothing_is_out()
    {
        var done = Started(done: [.. Enumerable.Range(0, 6).Select(i => ((long)i, TrialOutcome.Completed, 1.0))], state: JobState.Done);
        Assert.Contains("only a running job", done.Pause(now: false).Problem);
        Assert.Contains("only a paused job", done.Resume().Problem);

        var m = Started();
        var out1 = Tickets(m.Offer("a", 2, T0));
        Assert.False(m.IsSettled);
        var held = m.Hold();
        Assert.Equal(["a"], Assert.Single(held.OfType<JobEffect.CancelOn>()).Nodes);
        Assert.True(m.IsSettled);
        Assert.Equal(0, m.Pending);
        Assert.Empty(Tickets(m.Offer("a", 10, T0)));
        // A result that was on its way still counts; the job is settled again once it is committed.
        var batch = Batch(m.Finished(Finished(out1[0].Index, "a"), T0));
        Assert.False(m.IsSettled);
        Commit(m, batch, JobCounts.None);
        Assert.True(m.IsSettled);
        m.Release();
        Assert.Equal(5, m.Pending);
    }

    [Fact]
    public void After_an_operator_s_retry_a_trial_has_its_attempts_afresh()
    {
        var m = new JobMachine("j", "m", Plan, new JobSettings { MaxAttempts = 2 });
        var job = new StoredJob("j", "m", Spec, "[]", JobState.Running, Plan.Count, JobCounts.None, T0, T0, null, 1, "n0");
        // Trial 0 failed on two node faults, then an operator retried it.
        m.Recover(new JobClaim(1, job), [], [new FaultWrite(0, 1, "a", "lost"), new FaultWrite(0, 2, "a", "lost"), new FaultWrite(0, 3, "-", FaultWrite.RetryMark + "fixed")], T0);
        var ticket = Tickets(m.Offer("b", 1, T0))[0];
        Assert.Equal((0L, 4), (ticket.Index, ticket.Attempt));
        var effects = m.Fault("b", 0, 4, "lost again", T0);
        Assert.DoesNotContain(Batch(effects).Results, r => r.Index == 0);   // one fault of two: it runs again
    }
}
