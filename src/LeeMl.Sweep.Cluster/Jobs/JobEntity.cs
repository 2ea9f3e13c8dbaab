using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Cluster.Reports;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Jobs;

/// <summary>
/// One job, as a Cluster Sharding entity on the coordinator role: a shell around its
/// <see cref="JobMachine"/>. It recovers the job from the store wherever it starts (claiming it,
/// which fences any older incarnation), turns messages into the machine's events and carries out
/// its decisions: tells, group commits and reports, all store work off the mailbox (piped back).
/// </summary>
public sealed class JobEntity : Security.MemberOnlyActor, IWithStash, IWithTimers
{
    private sealed record Recovered(JobClaim Claim, SweepSpec Spec, TrialPlan Plan, List<(long, TrialOutcome, double)> Done, List<FaultWrite> Faults)
    {
        public List<(long Index, IReadOnlyList<double> Scores)> Rungs { get; init; } = [];

        public List<(long Index, double? Objective)> Objectives { get; init; } = [];
    }

    private sealed record RecoveryFailed(Exception Cause);

    private sealed record Committed(CommitBatch Batch, CommitOutcome Outcome);

    private sealed record CommitFailed(CommitBatch Batch, Exception Cause);

    private sealed record RetryCommit
    {
        public static readonly RetryCommit Instance = new();
    }

    private sealed record StateWritten(JobState State, bool Owned, string? Error);

    private sealed record ChunkSaved(IActorRef Worker, CurveChunk Chunk);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Retry
    {
        public static readonly Retry Instance = new();
    }

    private readonly string _jobId;
    private readonly NodeServices _node;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Supervision.OutageNotice _storeOutage = new();
    private readonly Dictionary<string, IActorRef> _workers = new(StringComparer.Ordinal);
    private JobMachine _machine = null!;
    private JobClaim _claim = null!;
    private SweepSpec _spec = null!;
    private Task _outputWrites = Task.CompletedTask;
    private Task _stateWrites = Task.CompletedTask;
    private int _recoveryAttempts;

    /// <summary>The worker's name under /user on every worker node.</summary>
    public const string WorkerName = "worker";

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public JobEntity(string jobId, NodeServices node)
    {
        _jobId = jobId;
        _node = node;
        Recovering();
    }

    public static Props Props(string jobId, NodeServices node) => Akka.Actor.Props.Create(() => new JobEntity(jobId, node));

    protected override void PreStart() => StartRecovery();

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    // ---- recovery ---------------------------------------------------------------------------

    private void StartRecovery()
    {
        var (store, jobId, node, specs) = (_node.Store, _jobId, _node.Node, _node.Specs);
        Task.Run(async () =>
        {
            var claim = await store.ClaimJob(jobId, node);
            if (claim is null) return null;
            var spec = specs.Get(jobId, claim.Job.SpecText);
            var plan = new TrialPlan(spec);
            var done = new List<(long, TrialOutcome, double)>();
            await foreach (var d in store.Done(jobId)) done.Add(d);
            var faults = new List<FaultWrite>();
            await foreach (var f in store.Faults(jobId)) faults.Add(f);
            // Under early stopping the decisions taken so far follow from the committed trials' curves.
            var rungs = new List<(long, IReadOnlyList<double>)>();
            if (spec.EarlyStopping is { } stopping)
            {
                var epochs = stopping.Rungs(spec.Epochs);
                await foreach (var r in store.Results(jobId, withCurves: true))
                    rungs.Add((r.Index, stopping.ScoresAtRungs(epochs, ResultJson.Parse(r.Line).Epochs)));
            }
            // A TPE search's proposals follow from the committed trials' objectives.
            var objectives = new List<(long, double?)>();
            if (plan.IsTpe)
                await foreach (var r in store.Results(jobId, withCurves: false))
                    objectives.Add((r.Index, ResultJson.Parse(r.Line).Objective));
            return new Recovered(claim, spec, plan, done, faults) { Rungs = rungs, Objectives = objectives };
        }).PipeTo(Self, success: r => (object?)r ?? new RecoveryFailed(new KeyNotFoundException($"job '{jobId}' is not in the store")),
            failure: e => new RecoveryFailed(e));
    }

    private void Recovering()
    {
        Receive<Recovered>(r =>
        {
            _claim = r.Claim;
            _spec = r.Spec;
            _machine = new JobMachine(_jobId, r.Spec.Name, r.Plan, _node.Jobs with { MaxAttempts = r.Spec.MaxAttempts });
            var effects = _machine.Recover(r.Claim, r.Done, r.Faults, DateTimeOffset.UtcNow, r.Rungs, r.Objectives);
            _log.Info("job {0}: {1} of {2} trials done; running here (owner epoch {3})", _jobId, _machine.DoneCount, _machine.Count, r.Claim.Epoch);
            if (r.Claim.Epoch > 1) Metrics.SweepMetrics.Recovered();   // its previous owner stopped: a failover or a restart
            Become(Active);
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
            Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromSeconds(1));
            Execute(effects);
            AnnouncePending();
            if (_machine.State.IsOver()) Context.SetReceiveTimeout(TimeSpan.FromSeconds(30));
            Stash.UnstashAll();
        });
        Receive<RecoveryFailed>(f =>
        {
            if (f.Cause is KeyNotFoundException)
            {
                // Nothing to run: answer what waits, then go away.
                Become(Unknown);
                Stash.UnstashAll();
                Context.Parent.Tell(new Passivate(PoisonPill.Instance));
                return;
            }
            // The store is unreachable for now, or refused: try again, later each time; never give the job up.
            var delay = TimeSpan.FromSeconds(Math.Min(30, 1 << Math.Min(_recoveryAttempts++, 5)));
            _log.Warning("job {0}: cannot recover it from the store ({1}); trying again in {2:F0} s", _jobId, f.Cause.GetBaseException().Message, delay.TotalSeconds);
            Timers.StartSingleTimer("retry", Retry.Instance, delay);
        });
        Receive<Retry>(_ => StartRecovery());
        ReceiveAny(_ => Stash.Stash());
    }

    private void Unknown()
    {
        Receive<GetJobStatus>(_ => Sender.Tell(new Status.Failure(new KeyNotFoundException($"unknown job '{_jobId}'"))));
        Receive<GetLiveTrials>(_ => Sender.Tell(new LiveTrials(_jobId, [])));
        Receive<CancelJob>(_ => Sender.Tell(new CancelReply(_jobId, CancelOutcome.Unknown)));
        Receive<OfferSlots>(_ => Sender.Tell(new AssignTrials(_jobId, [])));
        ReceiveAny(_ => { });
    }

    // ---- running ----------------------------------------------------------------------------

    private void Active()
    {
        Receive<WakeJob>(_ => { });
        Receive<OfferSlots>(m =>
        {
            var waited = _machine.ProposalWaitSeconds;
            Execute(_machine.Offer(Worker(), m.Count, DateTimeOffset.UtcNow, m.Programs, m.FreeGpus, m.IdleSlots));
            if (_machine.ProposalWaitSeconds > waited) Metrics.SweepMetrics.WaitedForProposals(_machine.ProposalWaitSeconds - waited);
        });
        Receive<GetJobSpec>(_ => Sender.Tell(new JobSpecText(_jobId, _spec.SpecText, _claim.Job.DataManifest)));
        Receive<TrialProgress>(m => _machine.Progress(m.Index, m.Epoch, m.TrainAccuracy, m.ValidationAccuracy));
        Receive<TrialOutput>(m =>
        {
            // Output is kept on a best-effort basis: a piece lost on the way is marked as a gap, and the trial's result does not wait for it.
            if (_machine.KeyOf(m.Index) is not { } key) return;
            var (log, jobId, store) = (_log, _jobId, _node.Store);
            // One write after another, in the order the pieces came: a later piece never overtakes an earlier one.
            _outputWrites = _outputWrites.ContinueWith(_ => store.AppendLog(jobId, m.Index, key, m.Attempt, m.Offset, m.Text), TaskScheduler.Default).Unwrap()
                .ContinueWith(t => { if (t.IsFaulted) log.Debug("job {0}: trial {1}'s output not stored: {2}", jobId, m.Index, t.Exception?.GetBaseException().Message); }, TaskScheduler.Default);
        });
        Receive<GetLiveTrials>(m => Sender.Tell(new LiveTrials(_jobId, _machine.Live(m.Max))));
        Receive<TrialFinished>(m => Execute(_machine.Finished(m with { Node = Worker() }, DateTimeOffset.UtcNow)));
        Receive<CurveChunk>(m =>
        {
            Worker();
            var (store, worker) = (_node.Store, Sender);
            store.StoreChunk(_jobId, m.Index, m.Chunk, ResultJson.Chunk(m.Epochs))
                .PipeTo(Self, success: () => new ChunkSaved(worker, m), failure: e => new Status.Failure(e));
        });
        Receive<ChunkSaved>(m =>
        {
            if (_storeOutage.Worked() is { } failures) _log.Info("job {0}: the store takes results again (after {1} failed tries)", _jobId, failures);
            m.Worker.Tell(new ChunkStored(_jobId, m.Chunk.Index, m.Chunk.Chunk));
        });
        Receive<TrialFault>(m =>
        {
            var before = _machine.QuarantinesTotal;
            Execute(_machine.Fault(Worker(), m.Index, m.Attempt, m.Error, DateTimeOffset.UtcNow));
            if (_machine.QuarantinesTotal > before) Metrics.SweepMetrics.Quarantined();
        });
        Receive<TrialRung>(m => Execute(_machine.Rung(Worker(), m.Index, m.Attempt, m.Rung, m.Score)));
        Receive<WorkerHolds>(m => Execute(_machine.Holds(Worker(), m.Trials, DateTimeOffset.UtcNow)));
        Receive<HandBack>(m =>
        {
            Execute(_machine.HandBack(Worker(), m.Indexes));
            Sender.Tell(new HandBackDone(_jobId, m.Indexes.Count));
            AnnouncePending();
        });
        Receive<GetJobStatus>(_ => Sender.Tell(_machine.View(DateTimeOffset.UtcNow, _node.Node, _claim.Job.Created)));
        Receive<CancelJob>(_ =>
        {
            var (outcome, effects) = _machine.Cancel(DateTimeOffset.UtcNow);
            Sender.Tell(new CancelReply(_jobId, outcome));
            Execute(effects);
            AnnouncePending();
        });
        Receive<ClusterEvent.MemberRemoved>(m =>
        {
            var node = NodeAddress.Of(m.Member.Address);
            _workers.Remove(node);
            Execute(_machine.NodeGone(node, DateTimeOffset.UtcNow));
        });
        Receive<Committed>(m =>
        {
            if (_storeOutage.Worked() is { } failures) _log.Info("job {0}: the store takes results again (after {1} failed tries)", _jobId, failures);
            Execute(_machine.Committed(m.Batch, m.Outcome, DateTimeOffset.UtcNow));
            AnnouncePending();
        });
        Receive<CommitFailed>(m =>
        {
            // Workers keep the results until they are committed: an outage costs time, not results. Said once, not every second.
            if (_storeOutage.Failed())
                _log.Warning("job {0}: the store does not take results ({1}); the results wait and a commit is tried every second", _jobId, m.Cause.GetBaseException().Message);
            else _log.Debug("job {0}: a commit of {1} results failed again ({2})", _jobId, m.Batch.Results.Count, m.Cause.GetBaseException().Message);
            Execute(_machine.CommitFailed(m.Batch));
            Timers.StartSingleTimer("retry-commit", RetryCommit.Instance, TimeSpan.FromSeconds(1));
        });
        Receive<RetryCommit>(_ => Execute(_machine.RetryCommit()));
        Receive<StateWritten>(m =>
        {
            if (m.Error is not null)
            {
                Metrics.SweepMetrics.StoreError();
                _log.Error("job {0}: its state {1} could not be stored: {2}", _jobId, m.State.Name(), m.Error);
            }
            else if (!m.Owned) Execute([new JobEffect.Fenced()]);
            else if (m.State.IsOver())
            {
                _log.Info("job {0} {1}: {2} trials in {3:F1} s", _jobId, m.State.Name(), _machine.Count, _machine.View(DateTimeOffset.UtcNow, _node.Node, _claim.Job.Created).ElapsedSeconds);
                Context.SetReceiveTimeout(TimeSpan.FromSeconds(30));   // leave memory once idle; the store keeps the job
            }
        });
        Receive<ReportRendered>(m =>
        {
            if (m.Final) Execute(_machine.FinalReportWritten(DateTimeOffset.UtcNow));
        });
        Receive<Tick>(_ =>
        {
            Execute(_machine.Tick(DateTimeOffset.UtcNow));
            AnnouncePending();
        });
        Receive<ReceiveTimeout>(_ =>
        {
            if (_machine.State.IsOver()) Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
        Receive<Status.Failure>(f =>
        {
            // A curve chunk the store did not take: the worker sends it again.
            if (_storeOutage.Failed()) _log.Warning("job {0}: {1}", _jobId, f.Cause.GetBaseException().Message);
            else _log.Debug("job {0}: {1}", _jobId, f.Cause.GetBaseException().Message);
        });
    }

    /// <summary>The node the current message came from; its worker is remembered for later tells.</summary>
    private string Worker()
    {
        var node = NodeAddress.Of(Sender, Context.System);
        // Only the node's worker actor itself is kept (not the temporary actor of an ask).
        if (Sender.Path.Name == WorkerName && Sender.Path.Elements.Count == 2) _workers[node] = Sender;
        return node;
    }

    private void AnnouncePending() => _node.Dispatcher.Tell(new JobPending(_jobId, _machine.Pending));

    private void Execute(IReadOnlyList<JobEffect> effects)
    {
        foreach (var effect in effects)
            switch (effect)
            {
                case JobEffect.Assign a:
                    if (_workers.TryGetValue(a.Node, out var w)) w.Tell(new AssignTrials(_jobId, a.Trials));
                    break;
                case JobEffect.Ack a:
                    if (_workers.TryGetValue(a.Node, out var acked)) acked.Tell(new ResultsStored(_jobId, a.Indexes));
                    break;
                case JobEffect.Commit c:
                    Commit(c.Batch);
                    break;
                case JobEffect.CancelOn c:
                    foreach (var node in c.Nodes)
                        if (_workers.TryGetValue(node, out var holder)) holder.Tell(new CancelTrials(_jobId));
                    break;
                case JobEffect.PersistState p:
                    PersistState(p.State);
                    break;
                case JobEffect.Report r:
                    var view = _machine.View(DateTimeOffset.UtcNow, _node.Node, _claim.Job.Created);
                    var state = r.Final && _machine.State == JobState.Reporting ? (view.Failed > 0 ? JobState.Failed : JobState.Done) : _machine.State;
                    _node.Reports.Tell(new RenderReport(_jobId, r.Final, new JobProgress((int)Math.Min(int.MaxValue, view.Trials), (int)view.Done, (int)view.Running, state)
                    { Proposals = _machine.ProposalSummary }) { Spec = _spec });
                    break;
                case JobEffect.Decide d:
                    if (_workers.TryGetValue(d.Node, out var paused)) paused.Tell(new RungDecision(_jobId, d.Index, d.Rung, d.Continue));
                    break;
                case JobEffect.Refused r:
                    _log.Warning("job {0}: dropped a message from {1}: {2}", _jobId, r.Node, r.Why);
                    break;
                case JobEffect.Fenced:
                    _log.Warning("job {0}: another coordinator owns it now (owner epoch moved past {1}); this one stops", _jobId, _claim.Epoch);
                    Become(() => ReceiveAny(_ => { }));
                    Context.Parent.Tell(new Passivate(PoisonPill.Instance));
                    return;
            }
    }

    private void Commit(CommitBatch batch)
    {
        var (store, jobId, epoch) = (_node.Store, _jobId, _claim.Epoch);
        Task.Run(async () =>
        {
            // The canonical JSON is made here, off the mailbox, once per result.
            var writes = batch.Results.Select(r => new ResultWrite(r.Index, r.Result, ResultJson.Summary(r.Result),
                r.ChunksAhead ? null : [.. r.Result.Epochs.Chunk(ProtocolLimits.ChunkEpochs).Select(c => ResultJson.Chunk(c))],
                r.Node, r.Seconds, r.Attempt)).ToList();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var outcome = await store.Commit(jobId, epoch, writes, batch.Faults);
            Metrics.SweepMetrics.Committed(batch.Results.Select(r => r.Result.Outcome), clock.Elapsed);
            Metrics.SweepMetrics.Retried(batch.Faults.Count);
            return outcome;
        }).PipeTo(Self, success: o => new Committed(batch, o), failure: e =>
        {
            Metrics.SweepMetrics.StoreError();
            return new CommitFailed(batch, e);
        });
    }

    /// <summary>State writes go to the store one after another, in the order decided.</summary>
    private void PersistState(JobState state)
    {
        var (store, jobId, epoch, self) = (_node.Store, _jobId, _claim.Epoch, Self);
        _stateWrites = _stateWrites.ContinueWith(async _ =>
        {
            try
            {
                var owned = await store.SetState(jobId, epoch, state);
                self.Tell(new StateWritten(state, owned, null));
            }
            catch (Exception e)
            {
                self.Tell(new StateWritten(state, true, e.GetBaseException().Message));
            }
        }, TaskScheduler.Default).Unwrap();
    }
}
