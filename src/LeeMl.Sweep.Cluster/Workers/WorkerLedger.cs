using System.Globalization;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Cluster.Workers;

/// <summary>
/// A worker node's bookkeeping as a pure state machine: events in, <see cref="WorkerEffect"/>s out,
/// the clock passed in. It holds what the node has taken on (queued, running, paused at a rung),
/// the results not yet acknowledged by the job's store (resent until they are, long curves ahead in
/// chunks within a window), how much work to ask for (the slots plus a prefetch that covers a
/// round trip), and a small cache of the jobs' plans. It runs nothing and touches no thread.
/// </summary>
public sealed class WorkerLedger(string node, int slots, int window = WorkerLedger.MaxUnacknowledged)
{
    public const int ChunkWindow = 4;
    public const int PlansKept = 16;
    public static readonly TimeSpan ResendAfter = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan HoldsEvery = TimeSpan.FromSeconds(1);

    /// <summary>A trial this node has taken on and not yet finished.</summary>
    private sealed class Held(SlotRun run)
    {
        public SlotRun Run { get; } = run;
        public bool Running { get; set; }
        /// <summary>The rungs passed so far; waiting at rung <see cref="Rungs"/> + 1 while <see cref="Paused"/>.</summary>
        public int Rungs { get; set; }
        public bool Paused { get; set; }
        public double PausedScore { get; set; }
        public DateTimeOffset ReportedAt { get; set; }
        /// <summary>Seconds trained so far, over every stretch between rungs.</summary>
        public double Seconds { get; set; }
    }

    /// <summary>A result on its way to the store, kept until it is acknowledged.</summary>
    private sealed class Outgoing(TrialFinished finished, IReadOnlyList<IReadOnlyList<EpochResult>> chunks)
    {
        public TrialFinished Finished { get; } = finished;
        public IReadOnlyList<IReadOnlyList<EpochResult>> Chunks { get; } = chunks;
        public HashSet<int> ChunksStored { get; } = [];
        public int NextChunk { get; set; }
        public DateTimeOffset SentAt { get; set; }
        public bool FinishedSent { get; set; }
    }

    private readonly Dictionary<(string Job, long Index), Held> _held = [];
    private readonly Dictionary<(string Job, long Index), Outgoing> _unacked = [];
    private readonly Dictionary<string, JobPlan> _plans = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _planOrder = new();   // least recently used first
    private readonly Dictionary<string, List<TrialTicket>> _awaitingSpec = new(StringComparer.Ordinal);
    private DateTimeOffset? _asked;
    private DateTimeOffset _lastHolds = DateTimeOffset.MinValue;
    private DateTimeOffset? _accruedTo;
    private double _meanSeconds = 0.05;
    private bool _leaving;
    private int _running;
    private int _paused;

    public string Node { get; } = node;

    /// <summary>Whether this node runs program trials (it tells the jobs, which offer them only then).</summary>
    public bool Programs { get; init; }

    /// <summary>The node's GPUs: each is given to one trial at a time, from its start until its result is made.</summary>
    public IReadOnlyList<int> Gpus { get; init; } = [];

    private SortedSet<int>? _freeGpus;
    private readonly List<SlotRun> _waitingForGpus = [];

    private SortedSet<int> FreeGpuSet => _freeGpus ??= [.. Gpus];

    /// <summary>GPUs given to a trial now.</summary>
    public int GpusBusy => Gpus.Count - FreeGpuSet.Count;

    /// <summary>GPUs given to no trial and promised to none waiting.</summary>
    public int FreeGpus => FreeGpuSet.Count - _waitingForGpus.Sum(r => GpusOf(r.Plan));

    private static int GpusOf(JobPlan plan) => plan.Spec.Program?.Gpus ?? 0;

    public int Slots { get; } = slots;

    public int Running => _running;

    public int Paused => _paused;

    /// <summary>Taken on and waiting for a slot.</summary>
    public int Queued => _held.Count - _running - _paused;

    public int Unacknowledged => _unacked.Count;

    /// <summary>The runs this node holds (queued, running or paused at a rung).</summary>
    public IEnumerable<SlotRun> HeldRuns => _held.Values.Select(h => h.Run);

    public IReadOnlyCollection<string> CachedPlans => [.. _planOrder];

    /// <summary>Slot time left idle while trials waited at rungs for a decision.</summary>
    public double IdleWaitingSeconds { get; private set; }

    /// <summary>
    /// Results a worker may hold unacknowledged before it asks for no more work: when the store
    /// commits slower than the slots train (tiny trials), the worker waits, so neither it nor the
    /// job keeps more than this per worker, however many trials the job has.
    /// </summary>
    public const int MaxUnacknowledged = 2048;   // the default window; a test may give a smaller one

    /// <summary>
    /// Free places: every slot busy, plus enough queued to cover the round trip for more (shorter
    /// trials want more), within the window of unacknowledged results.
    /// </summary>
    public int Capacity
    {
        get
        {
            var prefetch = (int)Math.Clamp(Math.Ceiling(Slots * 0.25 / Math.Max(_meanSeconds, 1e-4)), Math.Max(1, Slots / 2), 512);
            var taken = _held.Count - _paused + _awaitingSpec.Values.Sum(t => t.Count);
            return Math.Min(Slots + prefetch - taken, window - _unacked.Count - taken);
        }
    }

    public IReadOnlyList<WorkerEffect> Start(DateTimeOffset now) => Effects(e => AskForWork(e, now));

    /// <param name="planSize">How many trials the job's plan has now (negative: not said); a plan held here of another size is of the job before it was extended.</param>
    public IReadOnlyList<WorkerEffect> Assigned(string jobId, IReadOnlyList<TrialTicket> tickets, string from, DateTimeOffset now, long planSize = -1) => Effects(e =>
    {
        Accrue(now);
        if (planSize >= 0 && _plans.TryGetValue(jobId, out var known) && known.Plan.Count != planSize) ForgetPlan(jobId);
        if (_asked is { } asked && tickets.Count > 0) e.Add(new WorkerEffect.Dispatched(now - asked));
        _asked = null;
        if (tickets.Count == 0)
        {
            e.Add(new WorkerEffect.AskLater(TimeSpan.FromMilliseconds(300)));   // that job had nothing: ask again soon
            return;
        }
        e.Add(new WorkerEffect.Log("assigned", $"{jobId} {tickets.Count} by {from}", jobId));
        foreach (var t in tickets) Accept(e, jobId, t);
        AskForWork(e, now);
    });

    public IReadOnlyList<WorkerEffect> NoWork()
    {
        _asked = null;
        return [new WorkerEffect.AskLater(TimeSpan.FromSeconds(1))];
    }

    public IReadOnlyList<WorkerEffect> WorkAvailable(DateTimeOffset now) => Effects(e => AskForWork(e, now));

    /// <summary>The job's spec arrived and was parsed on this node.</summary>
    public IReadOnlyList<WorkerEffect> PlanReady(string jobId, JobPlan plan, DateTimeOffset now) => Effects(e =>
    {
        Accrue(now);
        if (!_awaitingSpec.Remove(jobId, out var tickets)) return;
        RememberPlan(jobId, plan);
        foreach (var t in tickets) Enqueue(e, jobId, t, plan);
    });

    /// <summary>The job's spec does not parse here: each waiting trial is a fault of this node.</summary>
    public IReadOnlyList<WorkerEffect> PlanFailed(string jobId, string error) => Effects(e =>
    {
        if (!_awaitingSpec.Remove(jobId, out var tickets)) return;
        foreach (var t in tickets) e.Add(new WorkerEffect.ToJob(new TrialFault(jobId, t.Index, t.Attempt, Node, $"the job's spec does not parse on this node: {error}")));
    });

    public IReadOnlyList<WorkerEffect> SlotStarted(SlotRun run, DateTimeOffset now) => Effects(e =>
    {
        Accrue(now);
        if (Current(run) is not { } h) return;
        h.Running = true;
        _running++;
        e.Add(new WorkerEffect.Log("start", $"{run.JobId} {run.Spec.Key}", run.JobId, run.Spec.Key));
    });

    public IReadOnlyList<WorkerEffect> SlotProgress(SlotRun run, int epoch, double train, double validation) =>
        Current(run) is null ? [] : [new WorkerEffect.ToJob(new TrialProgress(run.JobId, run.Ticket.Index, epoch, train, validation))];

    /// <summary>A trial reached its next rung: its slot is free again, and the trial waits for the job's decision.</summary>
    public IReadOnlyList<WorkerEffect> SlotPaused(SlotRun run, double score, double seconds, DateTimeOffset now) => Effects(e =>
    {
        Accrue(now);
        if (Current(run) is not { } h) return;
        h.Running = false;
        _running--;
        h.Paused = true;
        _paused++;
        h.PausedScore = score;
        h.Seconds += seconds;
        Report(e, h, now);
        AskForWork(e, now);
    });

    public IReadOnlyList<WorkerEffect> Decided(RungDecision m, DateTimeOffset now) => Effects(e =>
    {
        Accrue(now);
        if (!_held.TryGetValue((m.JobId, m.Index), out var h) || !h.Paused || h.Rungs + 1 != m.Rung) return;
        h.Paused = false;
        _paused--;
        h.Rungs++;
        if (m.Continue) e.Add(new WorkerEffect.Run(h.Run, Resumed: true));
        else
        {
            h.Run.StopAtRung = m.Rung;
            e.Add(new WorkerEffect.Stop(h.Run));
        }
    });

    /// <summary>A slot is done with a run: its result, or a fault of this node, or neither (cancelled). <paramref name="seconds"/>: this stretch.</summary>
    public IReadOnlyList<WorkerEffect> SlotDone(SlotRun run, TrialResult? result, string? fault, double seconds, DateTimeOffset now) => Effects(e =>
    {
        Accrue(now);
        if (Current(run) is not { } h) return;   // cancelled or handed back meanwhile
        var key = (run.JobId, run.Ticket.Index);
        _held.Remove(key);
        if (h.Running) _running--;
        if (h.Paused) _paused--;
        ReleaseGpus(e, run);
        var total = h.Seconds + seconds;
        _meanSeconds = 0.8 * _meanSeconds + 0.2 * total;
        if (result is not null)
        {
            e.Add(new WorkerEffect.Log("done", $"{run.JobId} {result.Key} {result.Outcome.Name()} {total.ToString("F2", CultureInfo.InvariantCulture)}s", run.JobId, result.Key));
            // A long curve goes ahead in chunks; the result itself then carries none.
            var chunks = result.Epochs.Count > ProtocolLimits.ChunkEpochs
                ? result.Epochs.Chunk(ProtocolLimits.ChunkEpochs).Select(c => (IReadOnlyList<EpochResult>)c).ToList()
                : [];
            var finished = new TrialFinished(run.JobId, run.Ticket.Index, run.Ticket.Attempt, Node, chunks.Count > 0 ? result with { Epochs = [] } : result, chunks.Count, total)
            {
                RungScores = run.Plan.Spec.EarlyStopping?.ScoresAtRungs(run.Plan.Rungs, result.Epochs),
            };
            var outgoing = new Outgoing(finished, chunks);
            _unacked[key] = outgoing;
            Send(e, outgoing, now);
        }
        else if (fault is not null)
        {
            e.Add(new WorkerEffect.Warn($"job {run.JobId}: trial {run.Ticket.Index} failed on this node: {fault}"));
            e.Add(new WorkerEffect.Log("fault", $"{run.JobId} {run.Ticket.Index} {fault}", run.JobId, run.Spec.Key));
            e.Add(new WorkerEffect.ToJob(new TrialFault(run.JobId, run.Ticket.Index, run.Ticket.Attempt, Node, fault)));
        }
        AskForWork(e, now);
    });

    /// <summary>The job committed these results: they leave the window, which may let the worker ask for more.</summary>
    public IReadOnlyList<WorkerEffect> Stored(ResultsStored m, DateTimeOffset now) => Effects(e =>
    {
        foreach (var index in m.Indexes) _unacked.Remove((m.JobId, index));
        AskForWork(e, now);
    });

    public IReadOnlyList<WorkerEffect> ChunkStored(ChunkStored m, DateTimeOffset now) => Effects(e =>
    {
        if (!_unacked.TryGetValue((m.JobId, m.Index), out var o)) return;
        o.ChunksStored.Add(m.Chunk);
        Send(e, o, now);
    });

    /// <summary>The job was cancelled: its trials stop and are forgotten, with its plan.</summary>
    public IReadOnlyList<WorkerEffect> Cancelled(string jobId, DateTimeOffset now) => Effects(e =>
    {
        Accrue(now);
        foreach (var (key, h) in _held.Where(h => h.Key.Job == jobId).ToList())
        {
            e.Add(new WorkerEffect.Cancel(h.Run, Idle: h.Paused || _waitingForGpus.Contains(h.Run)));
            _held.Remove(key);
            if (h.Running) _running--;
            if (h.Paused) _paused--;
            ReleaseGpus(e, h.Run);
        }
        foreach (var key in _unacked.Keys.Where(k => k.Job == jobId).ToList()) _unacked.Remove(key);
        _awaitingSpec.Remove(jobId);
        ForgetPlan(jobId);
    });

    /// <summary>Every second: the heartbeat, what this node holds, rungs and results with no answer sent again, more work.</summary>
    public IReadOnlyList<WorkerEffect> Tick(DateTimeOffset now) => Effects(e =>
    {
        Accrue(now);
        if (_leaving) return;
        e.Add(new WorkerEffect.ToDispatcher(new WorkerHeartbeat(Node, Slots, _running, Queued) { Paused = _paused, IdleWaitingSeconds = IdleWaitingSeconds, Programs = Programs, Gpus = Gpus.Count }));
        if (now - _lastHolds >= HoldsEvery)
        {
            _lastHolds = now;
            foreach (var job in _held.Keys.Select(k => k.Job).Concat(_unacked.Keys.Select(k => k.Job)).Distinct().ToList())
            {
                var trials = _held.Values.Where(h => h.Run.JobId == job).Select(h => new HeldTrial(h.Run.Ticket.Index, h.Run.Ticket.Attempt, h.Running))
                    .Concat(_unacked.Where(u => u.Key.Job == job).Select(u => new HeldTrial(u.Key.Index, u.Value.Finished.Attempt, true)))
                    .ToList();
                e.Add(new WorkerEffect.ToJob(new WorkerHolds(job, Node, trials)));
            }
        }
        // Paused trials with no decision yet report again: the job's coordinator may have been away.
        foreach (var h in _held.Values.Where(h => h.Paused && now - h.ReportedAt > ResendAfter).ToList()) Report(e, h, now);
        // Results not yet acknowledged go again: the store, or the job's coordinator, may have been away.
        foreach (var o in _unacked.Values.Where(o => now - o.SentAt > ResendAfter).ToList()) Resend(e, o, now);
        AskForWork(e, now);
    });

    /// <summary>The node leaves: every trial stops and goes back to its job (one hand-back per job); unacknowledged results go once more.</summary>
    public (IReadOnlyList<WorkerEffect> Effects, IReadOnlyList<HandBack> HandBacks) Leave(DateTimeOffset now)
    {
        _leaving = true;
        var effects = new List<WorkerEffect>();
        var handBacks = _held.Values.GroupBy(h => h.Run.JobId).Select(g => new HandBack(g.Key, Node, [.. g.Select(h => h.Run.Ticket.Index)])).ToList();
        foreach (var h in _held.Values) effects.Add(new WorkerEffect.Cancel(h.Run, Idle: h.Paused || _waitingForGpus.Contains(h.Run)));
        _waitingForGpus.Clear();
        effects.Add(new WorkerEffect.Log("leaving:", $"handing back {_held.Count} trials"));
        _held.Clear();
        _running = 0;
        _paused = 0;
        // The job may commit them before this node is gone.
        foreach (var o in _unacked.Values) Resend(effects, o, now);
        return (effects, handBacks);
    }

    private static List<WorkerEffect> Effects(Action<List<WorkerEffect>> decide)
    {
        var effects = new List<WorkerEffect>();
        decide(effects);
        return effects;
    }

    private Held? Current(SlotRun run) =>
        _held.TryGetValue((run.JobId, run.Ticket.Index), out var h) && h.Run == run ? h : null;

    /// <summary>Slot time since the last event during which slots stood idle while trials waited at rungs.</summary>
    private void Accrue(DateTimeOffset now)
    {
        if (_accruedTo is { } from && _paused > 0 && now > from)
            IdleWaitingSeconds += (now - from).TotalSeconds * Math.Max(0, Slots - _running - Queued);
        _accruedTo = now;
    }

    private void AskForWork(List<WorkerEffect> e, DateTimeOffset now)
    {
        if (_leaving) return;
        var free = Capacity;
        if (free <= 0 || (_asked is { } at && now - at < AskAgainAfter)) return;
        _asked = now;
        e.Add(new WorkerEffect.ToDispatcher(new RequestWork(Node, free) { Programs = Programs, FreeGpus = Math.Max(0, FreeGpus), IdleSlots = Math.Max(0, Slots - _running - Queued) }));
    }

    private void Accept(List<WorkerEffect> e, string jobId, TrialTicket ticket)
    {
        if (_leaving || _held.ContainsKey((jobId, ticket.Index)) || _unacked.ContainsKey((jobId, ticket.Index))) return;
        if (_plans.TryGetValue(jobId, out var plan))
        {
            Touch(jobId);
            Enqueue(e, jobId, ticket, plan);
            return;
        }
        if (!_awaitingSpec.TryGetValue(jobId, out var waiting))
        {
            _awaitingSpec[jobId] = waiting = [];
            e.Add(new WorkerEffect.ToJob(new GetJobSpec(jobId)));
        }
        waiting.Add(ticket);
    }

    private void Enqueue(List<WorkerEffect> e, string jobId, TrialTicket ticket, JobPlan plan)
    {
        var run = new SlotRun(jobId, ticket, plan);
        _held[(jobId, ticket.Index)] = new Held(run);
        if (GpusOf(plan) == 0) e.Add(new WorkerEffect.Run(run, Resumed: false));
        else
        {
            _waitingForGpus.Add(run);
            StartWaitingForGpus(e);
        }
    }

    /// <summary>Trials that need GPUs start, in the order they came, as devices come free: never one device for two trials.</summary>
    private void StartWaitingForGpus(List<WorkerEffect> e)
    {
        while (_waitingForGpus.Count > 0 && GpusOf(_waitingForGpus[0].Plan) <= FreeGpuSet.Count)
        {
            var run = _waitingForGpus[0];
            _waitingForGpus.RemoveAt(0);
            run.Gpus = [.. FreeGpuSet.Take(GpusOf(run.Plan))];
            foreach (var g in run.Gpus) FreeGpuSet.Remove(g);
            e.Add(new WorkerEffect.Run(run, Resumed: false));
        }
    }

    private void ReleaseGpus(List<WorkerEffect> e, SlotRun run)
    {
        _waitingForGpus.Remove(run);
        foreach (var g in run.Gpus) FreeGpuSet.Add(g);
        run.Gpus = [];
        StartWaitingForGpus(e);
    }

    /// <summary>Tells the job that a paused trial reached its rung (again, if no decision came).</summary>
    private void Report(List<WorkerEffect> e, Held h, DateTimeOffset now)
    {
        h.ReportedAt = now;
        e.Add(new WorkerEffect.ToJob(new TrialRung(h.Run.JobId, h.Run.Ticket.Index, h.Run.Ticket.Attempt, Node, h.Rungs + 1, h.PausedScore)));
    }

    /// <summary>Sends what is due of a result: the next chunks (a few in flight), then the result once every chunk is stored.</summary>
    private static void Send(List<WorkerEffect> e, Outgoing o, DateTimeOffset now)
    {
        var f = o.Finished;
        while (o.NextChunk < o.Chunks.Count && o.NextChunk - o.ChunksStored.Count < ChunkWindow)
        {
            e.Add(new WorkerEffect.ToJob(new CurveChunk(f.JobId, f.Index, f.Attempt, o.NextChunk, o.Chunks[o.NextChunk])));
            o.NextChunk++;
        }
        if (o.ChunksStored.Count == o.Chunks.Count && !o.FinishedSent)
        {
            e.Add(new WorkerEffect.ToJob(f));
            o.FinishedSent = true;
        }
        o.SentAt = now;
    }

    private static void Resend(List<WorkerEffect> e, Outgoing o, DateTimeOffset now)
    {
        o.NextChunk = o.ChunksStored.Count;
        o.FinishedSent = false;
        Send(e, o, now);
    }

    private void RememberPlan(string jobId, JobPlan plan)
    {
        _plans[jobId] = plan;
        Touch(jobId);
        // Plans of jobs this node no longer works for leave memory, least recently used first (a few are
        // kept for jobs that come back); a job with trials here keeps its plan however old.
        while (_planOrder.Count > PlansKept && _planOrder.FirstOrDefault(job => !_held.Keys.Any(k => k.Job == job)) is { } idle)
            ForgetPlan(idle);
    }

    private void Touch(string jobId)
    {
        _planOrder.Remove(jobId);
        _planOrder.AddLast(jobId);
    }

    private void ForgetPlan(string jobId)
    {
        _plans.Remove(jobId);
        _planOrder.Remove(jobId);
    }
}
