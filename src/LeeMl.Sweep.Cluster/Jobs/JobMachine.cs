using System.Collections;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Jobs;

/// <summary>
/// One job's coordination as a pure state machine: events in (offers of free slots, results,
/// faults, heartbeats, commits), decisions out (<see cref="JobEffect"/>s). No I/O, no actors, no
/// clock of its own (time comes with each event), so it is tested in process, fast.
/// Work per event is constant in the size of the job: pending work is a cursor over the plan's
/// index space plus a queue of trials to retry; done is a bitmap; only trials out on workers
/// have a record.
/// </summary>
public sealed class JobMachine
{
    private sealed class Assignment(string node, int attempt, DateTimeOffset at)
    {
        public string Node { get; } = node;
        public int Attempt { get; } = attempt;
        public DateTimeOffset AssignedAt { get; } = at;
        public bool Running { get; set; }

        /// <summary>The live curve so far (epoch, train, validation), thinned to at most <see cref="LivePoints"/> points.</summary>
        public List<(int Epoch, double Train, double Validation)>? Curve { get; private set; }

        public int Epoch { get; private set; }

        public void Record(int epoch, double train, double validation)
        {
            Epoch = Math.Max(Epoch, epoch);
            if (!double.IsFinite(train) && !double.IsFinite(validation)) return;
            Curve ??= [];
            if (Curve.Count > 0 && Curve[^1].Epoch >= epoch) return;
            // Full: every other point goes, so the curve keeps its shape at half the resolution.
            if (Curve.Count >= LivePoints)
                for (var i = Curve.Count - 2; i > 0; i -= 2) Curve.RemoveAt(i);
            Curve.Add((epoch, train, validation));
        }
    }

    /// <summary>The most points of a running trial's live curve the coordinator keeps.</summary>
    public const int LivePoints = 128;

    private sealed class NodeHealth
    {
        public int ConsecutiveFaults { get; set; }
        public int Quarantines { get; set; }
        public DateTimeOffset Until { get; set; }
        public string Reason { get; set; } = "";
    }

    private readonly TrialPlan _plan;
    private readonly JobSettings _settings;
    private readonly BitArray _done;
    private long _next;                                         // the first index never handed out
    private readonly Queue<long> _retry = new();                // trials to hand out again (lost, handed back, faulted)
    private readonly HashSet<long> _inRetry = [];
    private readonly Dictionary<long, Assignment> _assigned = [];
    private readonly Dictionary<string, HashSet<long>> _byNode = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> _attemptsUsed = [];  // node faults per trial
    private readonly Dictionary<long, int> _retriedAt = [];     // the attempt an operator's retry marked: attempts count afresh after it
    private bool _holding;                                      // a change of the job (extend, retry) waits for its trials out on workers
    private readonly Dictionary<long, (string Node, DateTimeOffset At)> _lastFault = [];
    private readonly Dictionary<string, NodeHealth> _health = new(StringComparer.Ordinal);
    private readonly Dictionary<long, PendingResult> _waiting = [];
    private readonly List<FaultWrite> _waitingFaults = [];
    private readonly Dictionary<long, HashSet<string>> _ackTo = [];
    private CommitBatch? _inFlight;
    private readonly HashSet<long> _inFlightIndexes = [];
    private long _commitSequence;
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly double[] _secondsOfModel;
    private readonly long[] _doneOfModel;
    private long _doneCount;
    private JobCounts _counts = JobCounts.None;
    private DateTimeOffset _started, _adoptUntil, _lastReport;
    private DateTimeOffset? _finished;
    private bool _newSinceReport;
    private readonly CohortLadder? _ladder;                           // early stopping's decisions, when the spec asks for it
    private readonly IReadOnlyList<int> _rungEpochs = [];
    private readonly TpeLedger? _tpe;                                  // a TPE search's proposals, from the committed results
    private readonly Dictionary<string, (DateTimeOffset Since, int Slots)> _waitingForProposals = new(StringComparer.Ordinal);

    public JobMachine(string jobId, string name, TrialPlan plan, JobSettings settings)
    {
        JobId = jobId;
        Name = name;
        _plan = plan;
        _settings = settings;
        if (plan.Count > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(plan), "a job has at most 2^31 trials");
        _done = new BitArray((int)plan.Count);
        _secondsOfModel = new double[plan.Models];
        _doneOfModel = new long[plan.Models];
        if (plan.Spec.EarlyStopping is { } stopping)
        {
            _rungEpochs = stopping.Rungs(plan.Spec.Epochs);
            _ladder = new CohortLadder(stopping, plan);
        }
        if (plan.IsTpe) _tpe = new TpeLedger(plan);
    }

    /// <summary>Slot-seconds that free slots of this job waited for a TPE proposal (the results it learns from).</summary>
    public double ProposalWaitSeconds { get; private set; }

    /// <summary>A TPE search's time spent computing its proposals, and how many (zero otherwise).</summary>
    public (TimeSpan Time, long Count) ProposalCost => _tpe is null ? (TimeSpan.Zero, 0) : (_tpe.ProposalTime, _tpe.Proposals);

    /// <summary>Trial <paramref name="index"/> with its values (under TPE, null until its proposal can be made).</summary>
    private TrialSpec? TrialAt(long index) =>
        _tpe is null ? _plan.At(index) : _tpe.IsReady(index) ? _plan.At(index, _tpe.Draws(index)) : null;

    /// <summary>A trial's score at each rung its curve reached (what the ladder compares).</summary>
    public string JobId { get; }

    public string Name { get; }

    public JobState State { get; private set; } = JobState.Queued;

    public long Count => _plan.Count;

    /// <summary>Trial <paramref name="index"/>'s key, or null when the plan has no such trial.</summary>
    public string? KeyOf(long index) => index >= 0 && index < _plan.Count ? TrialAt(index)?.Key : null;

    /// <summary>How many times this job has stopped sending trials to a node after faults in a row.</summary>
    public int QuarantinesTotal { get; private set; }

    public long DoneCount => _doneCount;

    /// <summary>Trials that wait for a slot: neither done, nor out on a worker, nor waiting to be committed.</summary>
    public long Pending => State != JobState.Running || _holding ? 0
        : _tpe is null ? Unfinished
        : Math.Min(Unfinished, _retry.Count + ReadyAhead(4096));

    private long Unfinished => Math.Max(0, _plan.Count - _doneCount - _assigned.Count - _waiting.Count - _inFlightIndexes.Count);

    /// <summary>TPE: how many trials from the cursor on can be proposed now (at most <paramref name="max"/>).</summary>
    private long ReadyAhead(long max)
    {
        long ready = 0;
        for (var i = _next; i < _plan.Count && ready < max && _tpe!.IsReady(i); i++) ready++;
        return ready;
    }

    /// <summary>Nodes that hold trials of this job now.</summary>
    public IEnumerable<string> NodesHolding => _byNode.Where(n => n.Value.Count > 0).Select(n => n.Key);

    public bool IsDone(long index) => _done[(int)index];

    // ---- recovery ---------------------------------------------------------------------------

    /// <summary>Takes up the job as the store has it: committed results, attempts used, state.</summary>
    public IReadOnlyList<JobEffect> Recover(JobClaim claim, IEnumerable<(long Index, TrialOutcome Outcome, double Seconds)> done, IEnumerable<FaultWrite> faults, DateTimeOffset now,
        IEnumerable<(long Index, IReadOnlyList<double> Scores)>? rungScores = null, IEnumerable<(long Index, double? Objective)>? objectives = null)
    {
        // A TPE search's proposals are a function of the committed results: theirs rebuild them.
        if (_tpe is not null)
            foreach (var (index, objective) in objectives ?? [])
                if (index >= 0 && index < _plan.Count) _tpe.Ended(index, objective);
        // Early stopping's decisions are a function of the scores: the committed trials' rebuild them.
        if (_ladder is not null)
            foreach (var (index, scores) in rungScores ?? []) _ladder.Ended(index, scores);
        var job = claim.Job;
        State = job.State;
        _counts = job.Counts;
        _started = job.Started ?? now;
        _finished = job.Finished;
        _lastReport = now;
        foreach (var (index, _, seconds) in done)
        {
            if (index < 0 || index >= _plan.Count || _done[(int)index]) continue;
            _done[(int)index] = true;
            _doneCount++;
            var m = _plan.ModelOf(index);
            _doneOfModel[m]++;
            _secondsOfModel[m] += seconds;
        }
        foreach (var f in faults)
        {
            _attemptsUsed[f.Index] = Math.Max(_attemptsUsed.GetValueOrDefault(f.Index), f.Attempt);
            if (f.IsRetryMark) _retriedAt[f.Index] = Math.Max(_retriedAt.GetValueOrDefault(f.Index), f.Attempt);
            else CountError(f.Error);
        }
        // A job some coordinator ran before: trials may still be training on workers; wait for their heartbeats.
        if (claim.Epoch > 1) _adoptUntil = now + _settings.AdoptGrace;
        var effects = new List<JobEffect>();
        if (State == JobState.Running) CompleteIfDone(effects);
        else if (State == JobState.Reporting) effects.Add(new JobEffect.Report(Final: true));   // the final report was not written before
        return effects;
    }

    // ---- dispatch ---------------------------------------------------------------------------

    /// <summary>A worker has <paramref name="count"/> free places: hand it up to that many trials.</summary>
    /// <param name="idleSlots">The worker's slots with nothing running or queued: what waits when a proposal is not ready.</param>
    public IReadOnlyList<JobEffect> Offer(string node, int count, DateTimeOffset now, bool programs = false, int freeGpus = 0, int idleSlots = 0)
    {
        // A program's trials go only to workers that run programs, and no more of them than the worker's free GPUs hold.
        if (_plan.Spec.Program is { } program)
            count = !programs ? 0 : program.Gpus > 0 ? Math.Min(count, freeGpus / program.Gpus) : count;
        if (State != JobState.Running || _holding || count <= 0 || now < _adoptUntil || IsQuarantined(node, now))
            return [new JobEffect.Assign(node, [])];
        var tickets = new List<TrialTicket>(Math.Min(count, 256));
        // Retries first, but a trial that just faulted on this node waits a little for another one.
        var toScan = Math.Min(_retry.Count, count + 16);
        for (var scanned = 0; scanned < toScan && tickets.Count < count; scanned++)
        {
            var index = _retry.Dequeue();
            _inRetry.Remove(index);
            if (_done[(int)index] || _assigned.ContainsKey(index) || _waiting.ContainsKey(index)) continue;
            if (_lastFault.TryGetValue(index, out var f) && f.Node == node && now - f.At < _settings.RetryElsewhereFor)
            {
                Requeue(index);
                continue;
            }
            tickets.Add(Assign(index, node, now));
        }
        var blocked = false;
        while (tickets.Count < count && _next < _plan.Count)
        {
            // A TPE proposal waits for the results it learns from, whatever else has arrived.
            if (_tpe is not null && !_tpe.IsReady(_next))
            {
                blocked = true;
                break;
            }
            var index = _next++;
            if (_done[(int)index] || _assigned.ContainsKey(index)) continue;
            tickets.Add(Assign(index, node, now));
        }
        if (_tpe is not null) CountProposalWait(node, blocked ? Math.Max(0, idleSlots - tickets.Count) : 0, now);
        return [new JobEffect.Assign(node, tickets)];
    }

    private TrialTicket Assign(long index, string node, DateTimeOffset now)
    {
        var attempt = _attemptsUsed.GetValueOrDefault(index) + 1;
        _assigned[index] = new Assignment(node, attempt, now);
        Holding(node).Add(index);
        return new TrialTicket(index, attempt) { Draws = _tpe?.Draws(index) };
    }

    /// <summary>A node's idle slots that got no trial because the next proposal waits: counted until the node's next offer.</summary>
    private void CountProposalWait(string node, int unfilled, DateTimeOffset now)
    {
        if (_waitingForProposals.Remove(node, out var before)) ProposalWaitSeconds += Math.Max(0, (now - before.Since).TotalSeconds) * before.Slots;
        if (unfilled > 0) _waitingForProposals[node] = (now, unfilled);
    }

    private HashSet<long> Holding(string node)
    {
        if (!_byNode.TryGetValue(node, out var set)) _byNode[node] = set = [];
        return set;
    }

    private void Unassign(long index)
    {
        if (_assigned.Remove(index, out var a) && _byNode.TryGetValue(a.Node, out var set)) set.Remove(index);
    }

    private void Requeue(long index)
    {
        if (_done[(int)index] || !_inRetry.Add(index)) return;
        _retry.Enqueue(index);
    }

    // ---- results ----------------------------------------------------------------------------

    public IReadOnlyList<JobEffect> Finished(TrialFinished m, DateTimeOffset now)
    {
        var effects = new List<JobEffect>();
        if (m.Index < 0 || m.Index >= _plan.Count) return [new JobEffect.Refused(m.Node, $"a result for trial {m.Index}, outside the plan's {_plan.Count}")];
        if (m.Result.Key != TrialAt(m.Index)?.Key) return [new JobEffect.Refused(m.Node, $"a result for trial {m.Index} under another key")];
        Health(m.Node).ConsecutiveFaults = 0;
        if (_done[(int)m.Index])
        {
            effects.Add(new JobEffect.Ack(m.Node, [m.Index]));   // a duplicate: the first result stands
            return effects;
        }
        if (_assigned.TryGetValue(m.Index, out var a) && a.Node == m.Node) Unassign(m.Index);
        if (State != JobState.Running && State != JobState.Reporting && State != JobState.Paused)
        {
            effects.Add(new JobEffect.Ack(m.Node, [m.Index]));   // cancelled: nothing more is stored, and the worker may forget it
            return effects;
        }
        AckLater(m.Index, m.Node);
        if (!_waiting.ContainsKey(m.Index) && !_inFlightIndexes.Contains(m.Index))
            _waiting[m.Index] = new PendingResult(m.Index, m.Result, m.ChunksAhead > 0, m.Node, m.Seconds, m.Attempt);
        if (_ladder is not null)
            Decide(_ladder.Ended(m.Index, m.RungScores ?? _plan.Spec.EarlyStopping!.ScoresAtRungs(_rungEpochs, m.Result.Epochs)), m.Node, effects);
        StartCommit(effects);
        return effects;
    }

    // ---- early stopping ---------------------------------------------------------------------

    /// <summary>A trial reached a rung and waits for the decision; it may make others' decisions too.</summary>
    public IReadOnlyList<JobEffect> Rung(string node, long index, int attempt, int rung, double score)
    {
        if (_ladder is null || index < 0 || index >= _plan.Count || _done[(int)index] || State is not (JobState.Running or JobState.Paused)) return [];
        var effects = new List<JobEffect>();
        Decide(_ladder.Reached(index, rung, score), node, effects, reporter: index);
        return effects;
    }

    /// <summary>Each decision to the node that holds its trial (the reporter's own to the reporter); one whose holder is unknown waits for the trial to report again.</summary>
    private void Decide(IReadOnlyList<Experiments.Search.RungLadder.Decision> decisions, string node, List<JobEffect> effects, long reporter = -1)
    {
        foreach (var d in decisions)
        {
            var holder = d.Index == reporter ? node : _assigned.TryGetValue(d.Index, out var a) ? a.Node : null;
            if (holder is not null && !_done[(int)d.Index]) effects.Add(new JobEffect.Decide(holder, d.Index, d.Rung, d.Continue));
        }
    }

    private void AckLater(long index, string node)
    {
        if (!_ackTo.TryGetValue(index, out var nodes)) _ackTo[index] = nodes = new HashSet<string>(StringComparer.Ordinal);
        nodes.Add(node);
    }

    private void StartCommit(List<JobEffect> effects)
    {
        if (_inFlight is not null || (_waiting.Count == 0 && _waitingFaults.Count == 0)) return;
        _inFlight = new CommitBatch(++_commitSequence, [.. _waiting.Values], [.. _waitingFaults]);
        _inFlightIndexes.UnionWith(_waiting.Keys);
        _waiting.Clear();
        _waitingFaults.Clear();
        effects.Add(new JobEffect.Commit(_inFlight));
    }

    /// <summary>The batch is durable: its results count now, and their workers may forget them.</summary>
    public IReadOnlyList<JobEffect> Committed(CommitBatch batch, CommitOutcome outcome, DateTimeOffset now)
    {
        var effects = new List<JobEffect>();
        if (_inFlight?.Sequence != batch.Sequence) return effects;
        _inFlight = null;
        _inFlightIndexes.Clear();
        if (outcome.Fenced)
        {
            effects.Add(new JobEffect.Fenced());
            return effects;
        }
        _counts = outcome.Counts;
        var acks = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var r in batch.Results)
        {
            if (!_done[(int)r.Index])
            {
                _done[(int)r.Index] = true;
                _doneCount++;
                var m = _plan.ModelOf(r.Index);
                _doneOfModel[m]++;
                _secondsOfModel[m] += r.Seconds;
                if (r.Result.Outcome == TrialOutcome.Failed && r.Result.Error is { } e) CountError(e);
                _tpe?.Ended(r.Index, _plan.Spec.ObjectiveOf(r.Result));
                _newSinceReport = true;
            }
            Unassign(r.Index);
            _lastFault.Remove(r.Index);
            _attemptsUsed.Remove(r.Index);
            if (_ackTo.Remove(r.Index, out var nodes))
                foreach (var node in nodes)
                {
                    if (!acks.TryGetValue(node, out var list)) acks[node] = list = [];
                    list.Add(r.Index);
                }
        }
        foreach (var (node, indexes) in acks) effects.Add(new JobEffect.Ack(node, indexes));
        if (FailsEarly() is { } reason)
        {
            CountError(reason);
            effects.AddRange(End(JobState.Failed, now));
            return effects;
        }
        StartCommit(effects);
        CompleteIfDone(effects);
        return effects;
    }

    /// <summary>
    /// A program that fails on most trials fails on the rest too: once a few have ended, a share of
    /// failures over the spec's bound ends the job instead of burning through the whole grid.
    /// </summary>
    private string? FailsEarly()
    {
        if (State != JobState.Running || _plan.Spec.Program is not { } program || _doneCount >= _plan.Count) return null;
        if (_doneCount < Experiments.Programs.ProgramSpec.FailFastAfter || _counts.Failed <= program.MaxFailedFraction * _doneCount) return null;
        return $"ended early: {_counts.Failed} of the first {_doneCount} trials failed, over program.max_failed_fraction {program.MaxFailedFraction.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    /// <summary>The store could not commit (it is unreachable for now): the batch waits for the next try.</summary>
    public IReadOnlyList<JobEffect> CommitFailed(CommitBatch batch)
    {
        if (_inFlight?.Sequence != batch.Sequence) return [];
        _inFlight = null;
        _inFlightIndexes.Clear();
        foreach (var r in batch.Results) _waiting.TryAdd(r.Index, r);
        _waitingFaults.InsertRange(0, batch.Faults);
        return [];
    }

    /// <summary>Tries a failed commit again (the actor calls it after a pause).</summary>
    public IReadOnlyList<JobEffect> RetryCommit()
    {
        var effects = new List<JobEffect>();
        StartCommit(effects);
        return effects;
    }

    private void CompleteIfDone(List<JobEffect> effects)
    {
        if (State != JobState.Running || _doneCount < _plan.Count || _inFlight is not null || _waiting.Count > 0) return;
        State = JobState.Reporting;
        effects.Add(new JobEffect.PersistState(JobState.Reporting));
        effects.Add(new JobEffect.Report(Final: true));
    }

    /// <summary>The final report is on disk: the job ends, failed if any trial failed.</summary>
    public IReadOnlyList<JobEffect> FinalReportWritten(DateTimeOffset now)
    {
        if (State != JobState.Reporting) return [];
        State = _counts.Failed > 0 ? JobState.Failed : JobState.Done;
        _finished = now;
        return [new JobEffect.PersistState(State)];
    }

    // ---- faults and workers -----------------------------------------------------------------

    /// <summary>An attempt failed for a reason of the node: retried elsewhere, up to the job's attempts.</summary>
    public IReadOnlyList<JobEffect> Fault(string node, long index, int attempt, string error, DateTimeOffset now)
    {
        var effects = new List<JobEffect>();
        if (index < 0 || index >= _plan.Count || _done[(int)index] || _waiting.ContainsKey(index) || State is not (JobState.Running or JobState.Paused)) return effects;
        if (_assigned.TryGetValue(index, out var a) && a.Node == node) Unassign(index);
        else if (_assigned.ContainsKey(index)) return effects;   // already given to another node: that attempt decides
        var used = Math.Max(_attemptsUsed.GetValueOrDefault(index), attempt);
        _attemptsUsed[index] = used;
        _lastFault[index] = (node, now);
        _waitingFaults.Add(new FaultWrite(index, attempt, node, error));
        CountError(error);
        var health = Health(node);
        if (++health.ConsecutiveFaults >= _settings.QuarantineAfter)
        {
            var span = TimeSpan.FromTicks(Math.Min(_settings.MaxQuarantine.Ticks, _settings.Quarantine.Ticks << Math.Min(health.Quarantines, 16)));
            health.Quarantines++;
            QuarantinesTotal++;
            health.Until = now + span;
            health.Reason = $"{health.ConsecutiveFaults} node faults in a row; last: {error}";
            health.ConsecutiveFaults = 0;
        }
        if (used - _retriedAt.GetValueOrDefault(index) >= _settings.MaxAttempts)
        {
            var trial = TrialAt(index)!;   // it was handed out: its values are known
            _waiting[index] = new PendingResult(index, TrialResult.FailedWith(trial, $"failed on {used} attempts (node faults); last: {error}"), false, node, 0, used);
            AckLater(index, node);
        }
        else Requeue(index);
        StartCommit(effects);
        return effects;
    }

    /// <summary>A worker's heartbeat for this job: adopt what it trains that we did not know (we restarted); re-assign what it lost.</summary>
    public IReadOnlyList<JobEffect> Holds(string node, IReadOnlyList<HeldTrial> held, DateTimeOffset now)
    {
        var listed = new HashSet<long>();
        foreach (var h in held)
        {
            if (h.Index < 0 || h.Index >= _plan.Count) continue;
            listed.Add(h.Index);
            if (_done[(int)h.Index]) continue;
            if (_assigned.TryGetValue(h.Index, out var a))
            {
                if (a.Node == node) a.Running = h.Running;
                continue;
            }
            if (_waiting.ContainsKey(h.Index)) continue;
            _assigned[h.Index] = new Assignment(node, h.Attempt, now) { Running = h.Running };
            Holding(node).Add(h.Index);
            _attemptsUsed[h.Index] = Math.Max(_attemptsUsed.GetValueOrDefault(h.Index), h.Attempt - 1);
        }
        if (_byNode.TryGetValue(node, out var mine))
            foreach (var index in mine.Where(i => !listed.Contains(i) && now - _assigned[i].AssignedAt > _settings.LostAfter).ToList())
            {
                Unassign(index);
                Requeue(index);
            }
        return [];
    }

    /// <summary>A node left the cluster (it died, or was cut off): its trials' attempts count as node faults.</summary>
    public IReadOnlyList<JobEffect> NodeGone(string node, DateTimeOffset now)
    {
        var effects = new List<JobEffect>();
        if (!_byNode.TryGetValue(node, out var held)) return effects;
        foreach (var index in held.ToList())
            effects.AddRange(Fault(node, index, _assigned.TryGetValue(index, out var a) ? a.Attempt : 1, $"node {node} left the cluster while training it", now));
        _byNode.Remove(node);
        _health.Remove(node);
        return effects;
    }

    /// <summary>A leaving worker gave its trials back: they go to other nodes at once, no attempt counted.</summary>
    public IReadOnlyList<JobEffect> HandBack(string node, IReadOnlyList<long> indexes)
    {
        foreach (var index in indexes)
        {
            if (index < 0 || index >= _plan.Count) continue;
            if (_assigned.TryGetValue(index, out var a) && a.Node != node) continue;
            Unassign(index);
            Requeue(index);
        }
        return [];
    }

    // ---- an operator's changes ----------------------------------------------------------------

    /// <summary>
    /// Pauses the job: nothing more is handed out, and its slots go to other jobs. Running trials end
    /// and their results count — or, <paramref name="now"/>, they stop at once and are handed out
    /// again on resume (no attempt counted). The state is stored, so a paused job stays paused
    /// across restarts.
    /// </summary>
    public (string? Problem, IReadOnlyList<JobEffect> Effects) Pause(bool now)
    {
        if (State == JobState.Paused && !now) return (null, []);
        if (State is not (JobState.Running or JobState.Paused)) return ($"the job is {State.Name()}; only a running job can be paused", []);
        State = JobState.Paused;
        var effects = new List<JobEffect>();
        if (now) Recall(effects);
        effects.Add(new JobEffect.PersistState(JobState.Paused));
        return (null, effects);
    }

    /// <summary>Stops the trials out on workers; they are handed out again later, no attempt counted.</summary>
    private void Recall(List<JobEffect> effects)
    {
        if (_assigned.Count == 0) return;
        effects.Add(new JobEffect.CancelOn([.. NodesHolding]));
        foreach (var index in _assigned.Keys.ToList())
        {
            Unassign(index);
            Requeue(index);
        }
    }

    /// <summary>Resumes a paused job where it was.</summary>
    public (string? Problem, IReadOnlyList<JobEffect> Effects) Resume()
    {
        if (State == JobState.Running) return (null, []);
        if (State != JobState.Paused) return ($"the job is {State.Name()}; only a paused job can be resumed", []);
        State = JobState.Running;
        var effects = new List<JobEffect> { new JobEffect.PersistState(JobState.Running) };
        CompleteIfDone(effects);
        return (null, effects);
    }

    /// <summary>
    /// Hands out nothing more, and stops the trials out on workers (they run again later), until the
    /// job is taken up again from the store: an extension or a retry changes the job's rows there.
    /// </summary>
    public IReadOnlyList<JobEffect> Hold()
    {
        _holding = true;
        var effects = new List<JobEffect>();
        Recall(effects);
        return effects;
    }

    /// <summary>The change that held the job did not happen: hand trials out again.</summary>
    public void Release() => _holding = false;

    /// <summary>No trial of the job is out on a worker or waiting to be committed: its rows in the store can change.</summary>
    public bool IsSettled => _assigned.Count == 0 && _waiting.Count == 0 && _waitingFaults.Count == 0 && _inFlight is null;

    /// <summary>Trials out on workers (running or queued there).</summary>
    public int OutOnWorkers => _assigned.Count;

    // ---- clients ----------------------------------------------------------------------------

    public (CancelOutcome Outcome, IReadOnlyList<JobEffect> Effects) Cancel(DateTimeOffset now)
    {
        if (State.IsOver()) return (CancelOutcome.AlreadyOver, []);
        return (CancelOutcome.Cancelled, End(JobState.Cancelled, now));
    }

    /// <summary>Ends the job before its trials are done (cancelled, or failed early): the nodes stop its trials, and a report says where it got.</summary>
    private List<JobEffect> End(JobState state, DateTimeOffset now)
    {
        var nodes = NodesHolding.ToList();
        State = state;
        _finished = now;
        _retry.Clear();
        _inRetry.Clear();
        _next = _plan.Count;
        _assigned.Clear();
        _byNode.Clear();
        return [new JobEffect.CancelOn(nodes), new JobEffect.PersistState(state), new JobEffect.Report(Final: false)];
    }

    /// <summary>Live progress of a running trial: the epoch it reached and a point of its live curve.</summary>
    public void Progress(long index, int epoch, double train = double.NaN, double validation = double.NaN)
    {
        if (!_assigned.TryGetValue(index, out var a)) return;
        a.Running = true;
        a.Record(epoch, train, validation);
    }

    /// <summary>The running trials with their live curves, lowest index first, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<LiveTrial> Live(int max) =>
        [.. _assigned.Where(a => a.Value.Running).OrderBy(a => a.Key).Take(max).Select(a => new LiveTrial(
            TrialAt(a.Key)?.Key ?? "", a.Value.Node, a.Value.Epoch, _plan.Spec.Epochs,
            a.Value.Curve?.Select(p => p.Epoch).ToArray() ?? [], a.Value.Curve?.Select(p => p.Train).ToArray() ?? [], a.Value.Curve?.Select(p => p.Validation).ToArray() ?? []))];

    /// <summary>The clock ticks (every second): a half-way report when results came in since the last one.</summary>
    public IReadOnlyList<JobEffect> Tick(DateTimeOffset now)
    {
        if (State == JobState.Running && _newSinceReport && now - _lastReport >= _settings.ReportEvery)
        {
            _newSinceReport = false;
            _lastReport = now;
            return [new JobEffect.Report(Final: false)];
        }
        return [];
    }

    private bool IsQuarantined(string node, DateTimeOffset now) => _health.TryGetValue(node, out var h) && h.Until > now;

    private NodeHealth Health(string node)
    {
        if (!_health.TryGetValue(node, out var h)) _health[node] = h = new NodeHealth();
        return h;
    }

    private void CountError(string error)
    {
        if (_errors.ContainsKey(error) || _errors.Count < 64) _errors[error] = _errors.GetValueOrDefault(error) + 1;
    }

    /// <summary>The job as clients see it now.</summary>
    public JobView View(DateTimeOffset now, string coordinator, DateTimeOffset created)
    {
        var elapsed = ((_finished ?? now) - _started).TotalSeconds;
        long running = _assigned.Values.Count(a => a.Running);
        // Of committed results only: a running trial's peak is not its result, so the figure never drops.
        var best = _counts.BestValidation;
        return new JobView(JobId, Name, State, _plan.Count, _counts.Done, _counts.Failed, running, coordinator, _assigned.Count - running,
            _counts.Diverged, _counts.Stopped, best, Math.Max(0, elapsed), State == JobState.Running ? Eta(elapsed) : null, created,
            [.. _health.Where(h => h.Value.Until > now).OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new QuarantinedNode(h.Key, h.Value.Reason, h.Value.Until))],
            [.. _errors.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Take(5).Select(e => new ErrorCount(e.Key, e.Value))])
        { ProposalWaitSeconds = _tpe is null ? null : Math.Round(ProposalWaitSeconds, 3) };
    }

    /// <summary>What a report says about the proposals of a TPE search (null for other searches).</summary>
    public (double WaitSeconds, double MeanProposalSeconds, long Proposals)? ProposalSummary =>
        _tpe is null ? null : (ProposalWaitSeconds, _tpe.Proposals == 0 ? 0 : _tpe.ProposalTime.TotalSeconds / _tpe.Proposals, _tpe.Proposals);

    /// <summary>
    /// Time left, with trials weighted by what they cost: the mean time of finished trials of the
    /// same model (closed-form baselines take milliseconds, an MLP seconds), so an early run of
    /// cheap trials does not make the end look near.
    /// </summary>
    private double? Eta(double elapsed)
    {
        double doneCost = 0, remainingCost = 0, totalSeconds = 0;
        long totalDone = 0;
        for (var m = 0; m < _secondsOfModel.Length; m++)
        {
            totalSeconds += _secondsOfModel[m];
            totalDone += _doneOfModel[m];
        }
        if (totalDone == 0 || elapsed <= 0) return null;
        var overall = totalSeconds / totalDone;
        for (var m = 0; m < _secondsOfModel.Length; m++)
        {
            var mean = _doneOfModel[m] > 0 ? _secondsOfModel[m] / _doneOfModel[m] : overall;
            doneCost += _secondsOfModel[m];
            remainingCost += (_plan.TrialsOfModel(m) - _doneOfModel[m]) * mean;
        }
        return doneCost <= 0 ? null : elapsed * remainingCost / doneCost;
    }
}
