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

    /// <summary>An operator's extension or retry, waiting for the job's trials to settle before it changes the store.</summary>
    private sealed record PendingChange(ChangeJob Request, IActorRef ReplyTo, SweepSpec? Larger = null, long[]? NewIndex = null);

    private sealed record ExtensionPlanned(ChangeJob Request, IActorRef ReplyTo, SweepSpec? Larger, long[]? NewIndex, string? Problem);

    private sealed record ChangeStored(PendingChange Change, bool Fenced, string Message, string? Error);

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
    private PendingChange? _change;

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
                    objectives.Add((r.Index, spec.ObjectiveOf(ResultJson.Parse(r.Line))));
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
            _change = null;
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
        Receive<ChangeJob>(_ => Sender.Tell(new ChangeReply(_jobId, $"unknown job '{_jobId}'", "")));
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
        Receive<ChangeJob>(m => Change(m, Sender));
        Receive<ExtensionPlanned>(m =>
        {
            if (m.Problem is not null)
            {
                m.ReplyTo.Tell(new ChangeReply(_jobId, m.Problem, ""));
                return;
            }
            Hold(new PendingChange(m.Request, m.ReplyTo, m.Larger, m.NewIndex));
        });
        Receive<ChangeStored>(m =>
        {
            var change = m.Change;
            _change = null;
            if (m.Fenced)
            {
                change.ReplyTo.Tell(new ChangeReply(_jobId, "another coordinator owns the job now; try again", ""));
                Execute([new JobEffect.Fenced()]);
                return;
            }
            if (m.Error is not null)
            {
                _machine.Release();
                AnnouncePending();
                change.ReplyTo.Tell(new ChangeReply(_jobId, $"the store did not take the change: {m.Error}", ""));
                return;
            }
            _log.Info("job {0}: {1}", _jobId, m.Message);
            change.ReplyTo.Tell(new ChangeReply(_jobId, null, m.Message));
            if (change.Larger is { } larger) _node.Specs.Add(_jobId, larger);
            // Taken up again from the store, as after a restart: the plan, the results and the decisions as they are now.
            Become(Recovering);
            StartRecovery();
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
            Settle();
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
            Settle();
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

    // ---- an operator's changes ----------------------------------------------------------------

    private void Change(ChangeJob m, IActorRef replyTo)
    {
        void Reply(string? problem, string message = "") => replyTo.Tell(new ChangeReply(_jobId, problem, message));
        if (_change is not null)
        {
            Reply(Busy(_change));
            return;
        }
        var state = _machine.State;
        switch (m.Change)
        {
            case JobChange.Pause or JobChange.PauseNow:
            {
                var running = _machine.OutOnWorkers;
                var (problem, effects) = _machine.Pause(now: m.Change == JobChange.PauseNow);
                if (problem is not null) { Reply(problem); return; }
                Execute(effects);
                AnnouncePending();
                var message = state == JobState.Paused && m.Change == JobChange.Pause ? "paused already"
                    : m.Change == JobChange.PauseNow ? $"paused; {running} trial{(running == 1 ? "" : "s")} out on workers stopped, to run again on resume"
                    : $"paused; {running} trial{(running == 1 ? "" : "s")} out on workers end first";
                if (state != JobState.Paused || m.Change == JobChange.PauseNow) Note(message);
                Reply(null, message);
                return;
            }
            case JobChange.Resume:
            {
                var (problem, effects) = _machine.Resume();
                if (problem is not null) { Reply(problem); return; }
                Execute(effects);
                AnnouncePending();
                if (state == JobState.Paused) Note("resumed");
                Reply(null, state == JobState.Paused ? "resumed" : "running already");
                return;
            }
            case JobChange.Retry:
                if (state is JobState.Queued or JobState.Reporting or JobState.Cancelled)
                    Reply($"the job is {state.Name()}; a running, paused or finished job can retry its failed trials");
                else if (_machine.View(DateTimeOffset.UtcNow, _node.Node, _claim.Job.Created).Failed == 0) Reply(null, "no trial has failed: nothing to retry");
                else Hold(new PendingChange(m, replyTo));
                return;
            case JobChange.Extend:
            {
                if (state is JobState.Queued or JobState.Reporting or JobState.Cancelled)
                {
                    Reply($"the job is {state.Name()}; a running, paused or finished job can be extended");
                    return;
                }
                // Placing every trial of the job in the larger plan takes a pass over both: off the mailbox.
                var (current, jobId, self) = (_spec, _jobId, Self);
                Task.Run(() =>
                {
                    var larger = SpecParser.ParseAccepted(m.SpecText!, jobId);
                    if (JobExtension.Problem(current, larger) is { } problem) return new ExtensionPlanned(m, replyTo, null, null, problem);
                    var (map, where) = JobExtension.Map(new TrialPlan(current), new TrialPlan(larger));
                    return new ExtensionPlanned(m, replyTo, larger, map, where);
                }).PipeTo(self, failure: e => new ExtensionPlanned(m, replyTo, null, null, e.GetBaseException().Message));
                return;
            }
        }
    }

    private static string Busy(PendingChange under) =>
        $"the job is being changed already ({under.Request.Change.ToString().ToLowerInvariant()}); try again when that is done";

    /// <summary>Holds the job for a change of its rows in the store: its trials on workers stop, and the change waits until nothing is in flight.</summary>
    private void Hold(PendingChange change)
    {
        if (_change is not null)
        {
            change.ReplyTo.Tell(new ChangeReply(_jobId, Busy(_change), ""));
            return;
        }
        _change = change;
        Execute(_machine.Hold());
        AnnouncePending();
        Settle();
    }

    /// <summary>Carries out the waiting change once no result of the job is out or in flight.</summary>
    private void Settle()
    {
        if (_change is not { } change || !_machine.IsSettled) return;
        var (store, jobId, epoch, self) = (_node.Store, _jobId, _claim.Epoch, Self);
        var before = _machine.Count;
        var note = string.IsNullOrWhiteSpace(change.Request.Note) ? "asked by an operator" : change.Request.Note!.Trim();
        if (change.Larger is { } larger)
        {
            var map = change.NewIndex!;
            var trials = TrialPlan.CountOf(larger);
            var message = $"extended from {before} to {trials} trials";
            store.ExtendJob(jobId, epoch, larger.SpecText, trials, i => i >= 0 && i < map.Length ? map[i] : throw new InvalidOperationException($"trial {i} is outside the job's plan"), message)
                .PipeTo(self, success: owned => new ChangeStored(change, !owned, message, null), failure: e => new ChangeStored(change, false, "", e.GetBaseException().Message));
        }
        else
            store.RetryFailed(jobId, epoch, note)
                .PipeTo(self, success: n => new ChangeStored(change, n is null, $"retried {n} failed trial{(n == 1 ? "" : "s")} ({note})", null),
                    failure: e => new ChangeStored(change, false, "", e.GetBaseException().Message));
    }

    /// <summary>Adds to the job's history (best effort: the change itself is in the job's state already).</summary>
    private void Note(string text)
    {
        var (store, jobId, log) = (_node.Store, _jobId, _log);
        store.AddEvent(jobId, text).ContinueWith(t => log.Warning("job {0}: its history did not take '{1}': {2}", jobId, text, t.Exception?.GetBaseException().Message),
            TaskContinuationOptions.OnlyOnFaulted);
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
                    if (_workers.TryGetValue(a.Node, out var w)) w.Tell(new AssignTrials(_jobId, a.Trials) { PlanSize = _machine.Count });
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
