using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Learning.Training;

namespace LeeMl.Sweep.Cluster.Workers;

/// <summary>What a worker runs for a trial: <see cref="TrialRunner.Run"/>, or a stand-in in benchmarks.</summary>
public delegate TrialResult TrialExecutor(SweepSpec sweep, TrialSpec trial, DataLoader data, Action<EpochMetrics>? onEpoch, CancellationToken cancel);

/// <summary>
/// One per worker node. It asks the dispatcher for as many trials as it has free places (its
/// slots plus a prefetch that keeps every slot busy across a round trip), trains them on its
/// slot threads (never on the mailbox), and keeps every result until the job's store has
/// committed it, sending it again until then. The actor alone owns what is running, queued and
/// unacknowledged; slot threads take work from a queue and only tell the actor what happened.
/// </summary>
public sealed class TrialWorker : Security.MemberOnlyActor, IWithTimers
{
    /// <summary>Sent by the node's coordinated shutdown: give every trial back, then answer.</summary>
    public sealed record Leave
    {
        public static readonly Leave Instance = new();
    }

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Ask
    {
        public static readonly Ask Instance = new();
    }

    /// <summary>A trial ready for a slot: its job's spec and plan resolved; under early stopping, its training so far.</summary>
    private sealed class Work(string jobId, TrialTicket ticket, JobPlan plan)
    {
        public string JobId { get; } = jobId;
        public TrialTicket Ticket { get; } = ticket;
        public JobPlan Plan { get; } = plan;
        public CancellationTokenSource Cancel { get; } = new();
        public bool Running { get; set; }
        /// <summary>The training, kept between rungs (null before it starts).</summary>
        public TrialSession? Session { get; set; }
        /// <summary>The rungs passed so far; paused at rung <see cref="Rungs"/> + 1 while <see cref="Paused"/>.</summary>
        public int Rungs { get; set; }
        public bool Paused { get; set; }
        public double PausedScore { get; set; }
        public DateTimeOffset ReportedAt { get; set; }
        /// <summary>Seconds trained so far, over every stretch between rungs.</summary>
        public double Seconds { get; set; }
    }

    /// <summary>A job's spec, plan and data as this node holds them; <see cref="Rungs"/>: the epochs where early stopping decides (none without it).</summary>
    private sealed record JobPlan(SweepSpec Spec, TrialPlan Plan, DataLoader Data)
    {
        public IReadOnlyList<int> Rungs { get; } = Spec.EarlyStopping?.Rungs(Spec.Epochs) ?? [];
    }

    private sealed record PlanReady(string JobId, JobPlan? Plan, string? Error);

    private sealed record SlotStarted(Work Work);

    private sealed record SlotDone(Work Work, TrialResult? Result, string? Fault, double Seconds);

    private sealed record SlotProgress(Work Work, int Epoch, double Train, double Validation);

    /// <summary>A trial reached its next rung: its slot is free again, and the trial waits for the job's decision.</summary>
    private sealed record SlotPaused(Work Work, double Score, double Seconds);

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

    private const int ChunkWindow = 4;
    private static readonly TimeSpan ResendAfter = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HoldsEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(500);

    private readonly WorkerOptions _options;
    private readonly IActorRef _dispatcher;
    private readonly IActorRef _jobs;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly BlockingCollection<Work> _queue = new();
    private readonly BlockingCollection<Work> _resumed = new();   // paused trials told to go on: taken before new work
    private readonly BlockingCollection<Work>[] _lanes;
    private readonly List<Thread> _slots = [];
    private readonly Dictionary<(string Job, long Index), Work> _held = [];
    private readonly Dictionary<(string Job, long Index), Outgoing> _unacked = [];
    private readonly Dictionary<string, JobPlan> _plans = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TrialTicket>> _awaitingSpec = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _planOrder = new();   // least recently used job plans first
    private DateTimeOffset? _asked;
    private DateTimeOffset _lastHolds = DateTimeOffset.MinValue;
    private double _meanSeconds = 0.05;
    private bool _leaving;
    private int _running;
    private volatile int _paused;
    private long _idleWaitingTicks;   // slot time idle while trials waited at rungs (Stopwatch ticks, from the slot threads)

    public ITimerScheduler Timers { get; set; } = null!;

    public TrialWorker(WorkerOptions options, IActorRef dispatcher, IActorRef jobs)
    {
        _options = options;
        _dispatcher = dispatcher;
        _jobs = jobs;
        _lanes = [_resumed, _queue];
        Receive<AssignTrials>(m =>
        {
            _asked = null;
            if (m.Trials.Count == 0)
            {
                Timers.StartSingleTimer("ask", Ask.Instance, TimeSpan.FromMilliseconds(300));   // that job had nothing: ask again soon
                return;
            }
            if (_options.LogTrials) Console.WriteLine($"{Stamp()} assigned {m.JobId} {m.Trials.Count} by {NodeAddress.Of(Sender, Context.System)}");
            foreach (var t in m.Trials) Accept(m.JobId, t);
            AskForWork();
        });
        Receive<JobSpecText>(m =>
        {
            var (options, jobId) = (_options, m.JobId);
            Task.Run(() =>
            {
                var spec = SpecParser.Parse(m.SpecText, jobId);
                var manifest = System.Text.Json.JsonSerializer.Deserialize(m.DataManifest, Service.ServiceJson.Default.IReadOnlyListShippedFile) ?? [];
                return new JobPlan(spec, new TrialPlan(spec), new DataLoader(options.SourcesFor(manifest)));
            }).PipeTo(Self, success: p => new PlanReady(jobId, p, null), failure: e => new PlanReady(jobId, null, e.GetBaseException().Message));
        });
        Receive<PlanReady>(m =>
        {
            if (!_awaitingSpec.Remove(m.JobId, out var tickets)) return;
            if (m.Plan is null)
            {
                foreach (var t in tickets) ToJob(new TrialFault(m.JobId, t.Index, t.Attempt, _options.Node, $"the job's spec does not parse on this node: {m.Error}"));
                return;
            }
            RememberPlan(m.JobId, m.Plan);
            foreach (var t in tickets) Enqueue(m.JobId, t, m.Plan);
        });
        Receive<NoWork>(_ =>
        {
            _asked = null;
            Timers.StartSingleTimer("ask", Ask.Instance, TimeSpan.FromSeconds(1));
        });
        Receive<WorkAvailable>(_ => AskForWork());
        Receive<Ask>(_ => AskForWork());
        Receive<SlotStarted>(m =>
        {
            if (!_held.TryGetValue(Key(m.Work), out var w) || w != m.Work) return;
            w.Running = true;
            _running++;
            if (_options.LogTrials) Console.WriteLine($"{Stamp()} start {w.JobId} {w.Plan.Plan.At(w.Ticket.Index).Key}");
        });
        Receive<SlotProgress>(m =>
        {
            if (_held.TryGetValue(Key(m.Work), out var w) && w == m.Work)
                ToJob(new TrialProgress(m.Work.JobId, m.Work.Ticket.Index, m.Epoch, m.Train, m.Validation));
        });
        Receive<SlotDone>(Finished);
        Receive<SlotPaused>(m =>
        {
            if (!_held.TryGetValue(Key(m.Work), out var w) || w != m.Work) return;
            w.Running = false;
            _running--;
            w.Paused = true;
            _paused++;
            w.PausedScore = m.Score;
            w.Seconds += m.Seconds;
            Report(w);
            AskForWork();
        });
        Receive<RungDecision>(m =>
        {
            if (!_held.TryGetValue((m.JobId, m.Index), out var w) || !w.Paused || w.Rungs + 1 != m.Rung) return;
            w.Paused = false;
            _paused--;
            w.Rungs++;
            if (m.Continue)
            {
                _resumed.Add(w);
                return;
            }
            // Stopped at this rung: the result is the training so far (its test accuracy measured off the mailbox).
            var self = Self;
            Task.Run(() => new SlotDone(w, w.Session!.Result(stoppedAtRung: m.Rung), null, 0)).PipeTo(self);
        });
        Receive<ResultsStored>(m =>
        {
            foreach (var index in m.Indexes) _unacked.Remove((m.JobId, index));
        });
        Receive<ChunkStored>(m =>
        {
            if (!_unacked.TryGetValue((m.JobId, m.Index), out var o)) return;
            o.ChunksStored.Add(m.Chunk);
            Send(o);
        });
        Receive<CancelTrials>(m => Drop(m.JobId));
        Receive<Tick>(_ => OnTick());
        Receive<Leave>(_ => HandEverythingBack());
    }

    public static Props Props(WorkerOptions options, IActorRef dispatcher, IActorRef jobs) =>
        Akka.Actor.Props.Create(() => new TrialWorker(options, dispatcher, jobs));

    protected override void PreStart()
    {
        var self = Self;
        for (var i = 0; i < _options.Slots; i++)
        {
            // Dedicated threads: training must never starve Akka's dispatcher, whose heartbeats the failure detector depends on.
            var slot = new Thread(() => RunSlot(self)) { IsBackground = true, Name = $"trial-slot-{i}" };
            _slots.Add(slot);
            slot.Start();
        }
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromSeconds(1));
        Self.Tell(Tick.Instance);
    }

    protected override void PostStop()
    {
        _leaving = true;
        foreach (var w in _held.Values) w.Cancel.Cancel();
        _queue.CompleteAdding();
        _resumed.CompleteAdding();
    }

    /// <summary>Tells the job that a paused trial reached its rung (again, if no decision came).</summary>
    private void Report(Work w)
    {
        w.ReportedAt = DateTimeOffset.UtcNow;
        ToJob(new TrialRung(w.JobId, w.Ticket.Index, w.Ticket.Attempt, _options.Node, w.Rungs + 1, w.PausedScore));
    }

    private static (string, long) Key(Work w) => (w.JobId, w.Ticket.Index);

    /// <summary>The time of day (UTC) on --log-trials lines.</summary>
    private static string Stamp() => DateTime.UtcNow.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Free places: every slot busy, plus enough queued to cover the round trip for more (shorter trials want more).</summary>
    private int Capacity()
    {
        var prefetch = (int)Math.Clamp(Math.Ceiling(_options.Slots * 0.25 / Math.Max(_meanSeconds, 1e-4)), Math.Max(1, _options.Slots / 2), 512);
        return _options.Slots + prefetch - (_held.Count - _paused) - _awaitingSpec.Values.Sum(t => t.Count);
    }

    private void AskForWork()
    {
        if (_leaving) return;
        var free = Capacity();
        if (free <= 0 || (_asked is { } at && DateTimeOffset.UtcNow - at < TimeSpan.FromSeconds(3))) return;
        _asked = DateTimeOffset.UtcNow;
        _dispatcher.Tell(new RequestWork(_options.Node, free));
    }

    private void Accept(string jobId, TrialTicket ticket)
    {
        if (_leaving || _held.ContainsKey((jobId, ticket.Index)) || _unacked.ContainsKey((jobId, ticket.Index))) return;
        if (_plans.TryGetValue(jobId, out var plan))
        {
            Touch(jobId);
            Enqueue(jobId, ticket, plan);
            return;
        }
        if (!_awaitingSpec.TryGetValue(jobId, out var waiting))
        {
            _awaitingSpec[jobId] = waiting = [];
            ToJob(new GetJobSpec(jobId));
        }
        waiting.Add(ticket);
    }

    private void Enqueue(string jobId, TrialTicket ticket, JobPlan plan)
    {
        var work = new Work(jobId, ticket, plan);
        _held[Key(work)] = work;
        _queue.Add(work);
    }

    /// <summary>A slot's thread: takes work (trials told to go on first) until the queues close, tells the actor when each starts, reports and ends.</summary>
    private void RunSlot(IActorRef self)
    {
        while (true)
        {
            Work work;
            var waiting = _paused > 0;
            var idle = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                BlockingCollection<Work>.TakeFromAny(_lanes, out work!);
            }
            catch (ArgumentException)
            {
                return;   // both queues closed: the node stops
            }
            if (waiting || _paused > 0) Interlocked.Add(ref _idleWaitingTicks, System.Diagnostics.Stopwatch.GetTimestamp() - idle);
            if (work.Cancel.IsCancellationRequested) continue;
            self.Tell(new SlotStarted(work));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var sinceSent = System.Diagnostics.Stopwatch.StartNew();
            var first = true;
            void Progress(EpochMetrics e)
            {
                // The first epoch at once (the trial shows as running), then at most one point of
                // its live curve per trial every ProgressEvery.
                if (!first && sinceSent.Elapsed < ProgressEvery) return;
                first = false;
                self.Tell(new SlotProgress(work, e.Epoch, e.TrainAccuracy, e.ValidationAccuracy));
                sinceSent.Restart();
            }
            try
            {
                var trial = work.Plan.Plan.At(work.Ticket.Index);
                if (work.Plan.Rungs.Count == 0)
                {
                    var result = _options.Executor(work.Plan.Spec, trial, work.Plan.Data, Progress, work.Cancel.Token);
                    self.Tell(new SlotDone(work, result, null, clock.Elapsed.TotalSeconds));
                    continue;
                }
                // Early stopping: train to the next rung, then free the slot while the job decides.
                var session = work.Session ??= TrialSession.Start(work.Plan.Spec, trial, work.Plan.Data);
                var target = work.Rungs < work.Plan.Rungs.Count ? work.Plan.Rungs[work.Rungs] : work.Plan.Spec.Epochs;
                session.TrainUntil(target, Progress, work.Cancel.Token);
                if (session.IsOver || work.Rungs >= work.Plan.Rungs.Count)
                    self.Tell(new SlotDone(work, session.Result(), null, work.Seconds + clock.Elapsed.TotalSeconds));
                else
                    self.Tell(new SlotPaused(work, work.Plan.Spec.EarlyStopping!.Score(session.LastEpoch!), clock.Elapsed.TotalSeconds));
            }
            catch (OperationCanceledException) when (work.Cancel.IsCancellationRequested)
            {
                self.Tell(new SlotDone(work, null, null, clock.Elapsed.TotalSeconds));
            }
            catch (Exception e)
            {
                // Not the trial's own outcome (that is a result): a fault of this node, retried elsewhere.
                self.Tell(new SlotDone(work, null, $"{e.GetType().Name}: {e.GetBaseException().Message}", clock.Elapsed.TotalSeconds));
            }
        }
    }

    private void Finished(SlotDone m)
    {
        var key = Key(m.Work);
        if (!_held.TryGetValue(key, out var w) || w != m.Work) return;   // cancelled or handed back meanwhile
        _held.Remove(key);
        if (w.Running) _running--;
        if (w.Paused) _paused--;
        w.Cancel.Dispose();
        var seconds = m.Seconds > 0 ? m.Seconds : w.Seconds;   // a trial stopped at a rung: the time it trained
        _meanSeconds = 0.8 * _meanSeconds + 0.2 * seconds;
        if (m.Result is { } result)
        {
            if (_options.LogTrials) Console.WriteLine($"{Stamp()} done {w.JobId} {result.Key} {result.Outcome.Name()} {seconds:F2}s");
            // A long curve goes ahead in chunks; the result itself then carries none.
            var chunks = result.Epochs.Count > NodeServices.ChunkEpochs
                ? result.Epochs.Chunk(NodeServices.ChunkEpochs).Select(c => (IReadOnlyList<EpochResult>)c).ToList()
                : [];
            var finished = new TrialFinished(w.JobId, w.Ticket.Index, w.Ticket.Attempt, _options.Node, chunks.Count > 0 ? result with { Epochs = [] } : result, chunks.Count, seconds)
            {
                RungScores = w.Plan.Spec.EarlyStopping is { } stopping ? Jobs.JobMachine.RungScores(stopping, w.Plan.Rungs, result.Epochs) : null,
            };
            var outgoing = new Outgoing(finished, chunks);
            _unacked[key] = outgoing;
            Send(outgoing);
        }
        else if (m.Fault is { } fault)
        {
            _log.Warning("job {0}: trial {1} failed on this node: {2}", w.JobId, w.Ticket.Index, fault);
            if (_options.LogTrials) Console.WriteLine($"{Stamp()} fault {w.JobId} {w.Ticket.Index} {fault}");
            ToJob(new TrialFault(w.JobId, w.Ticket.Index, w.Ticket.Attempt, _options.Node, fault));
        }
        AskForWork();
    }

    /// <summary>Sends what is due of a result: the next chunks (a few in flight), then the result once every chunk is stored.</summary>
    private void Send(Outgoing o)
    {
        var jobId = o.Finished.JobId;
        while (o.NextChunk < o.Chunks.Count && o.NextChunk - o.ChunksStored.Count < ChunkWindow)
        {
            ToJob(new CurveChunk(jobId, o.Finished.Index, o.Finished.Attempt, o.NextChunk, o.Chunks[o.NextChunk]));
            o.NextChunk++;
        }
        if (o.ChunksStored.Count == o.Chunks.Count && !o.FinishedSent)
        {
            ToJob(o.Finished);
            o.FinishedSent = true;
        }
        o.SentAt = DateTimeOffset.UtcNow;
    }

    /// <summary>To the job's entity, through the shard region (which finds it wherever it runs).</summary>
    private void ToJob(IJobMessage message) => _jobs.Tell(message, Self);

    private void OnTick()
    {
        if (_leaving) return;
        _dispatcher.Tell(new WorkerHeartbeat(_options.Node, _options.Slots, _running, _held.Count - _running - _paused)
        {
            Paused = _paused,
            IdleWaitingSeconds = (double)Interlocked.Read(ref _idleWaitingTicks) / System.Diagnostics.Stopwatch.Frequency,
        });
        var now = DateTimeOffset.UtcNow;
        if (now - _lastHolds >= HoldsEvery)
        {
            _lastHolds = now;
            foreach (var job in _held.Values.Select(w => w.JobId).Concat(_unacked.Keys.Select(k => k.Job)).Distinct().ToList())
            {
                var trials = _held.Values.Where(w => w.JobId == job).Select(w => new HeldTrial(w.Ticket.Index, w.Ticket.Attempt, w.Running))
                    .Concat(_unacked.Where(u => u.Key.Job == job).Select(u => new HeldTrial(u.Key.Index, u.Value.Finished.Attempt, true)))
                    .ToList();
                ToJob(new WorkerHolds(job, _options.Node, trials));
            }
        }
        // Paused trials with no decision yet report again: the job's coordinator may have been away.
        foreach (var w in _held.Values.Where(w => w.Paused && now - w.ReportedAt > ResendAfter).ToList()) Report(w);
        // Results not yet acknowledged go again: the store, or the job's coordinator, may have been away.
        foreach (var o in _unacked.Values.Where(o => now - o.SentAt > ResendAfter).ToList())
        {
            o.NextChunk = o.ChunksStored.Count;
            o.FinishedSent = false;
            Send(o);
        }
        AskForWork();
    }

    private void Drop(string jobId)
    {
        foreach (var (key, w) in _held.Where(h => h.Key.Job == jobId).ToList())
        {
            w.Cancel.Cancel();
            _held.Remove(key);
            if (w.Running) _running--;
            if (w.Paused) _paused--;
        }
        foreach (var key in _unacked.Keys.Where(k => k.Job == jobId).ToList()) _unacked.Remove(key);
        _awaitingSpec.Remove(jobId);
        ForgetPlan(jobId);
    }

    private void RememberPlan(string jobId, JobPlan plan)
    {
        _plans[jobId] = plan;
        Touch(jobId);
        // Plans of jobs this node no longer works for leave memory (a few are kept for jobs that come back).
        while (_planOrder.Count > 16)
        {
            var oldest = _planOrder.First!.Value;
            if (_held.Values.Any(w => w.JobId == oldest)) break;
            ForgetPlan(oldest);
        }
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

    private void HandEverythingBack()
    {
        _leaving = true;
        Timers.CancelAll();
        var byJob = _held.Values.GroupBy(w => w.JobId).ToList();
        foreach (var w in _held.Values) w.Cancel.Cancel();
        _held.Clear();
        _running = 0;
        _paused = 0;
        if (_options.LogTrials) Console.WriteLine($"{Stamp()} leaving: handing back {byJob.Sum(g => g.Count())} trials");
        var asks = byJob.Select(g => _jobs.Ask<HandBackDone>(new HandBack(g.Key, _options.Node, [.. g.Select(w => w.Ticket.Index)]), TimeSpan.FromSeconds(3))).ToList();
        // Results still unacknowledged go once more: the job may commit them before this node is gone.
        foreach (var o in _unacked.Values)
        {
            o.NextChunk = o.ChunksStored.Count;
            o.FinishedSent = false;
            Send(o);
        }
        Task.WhenAll(asks).ContinueWith(t => new HandBackDone("", t.IsCompletedSuccessfully ? t.Result.Sum(r => r.Trials) : 0), TaskScheduler.Default).PipeTo(Sender);
    }
}
