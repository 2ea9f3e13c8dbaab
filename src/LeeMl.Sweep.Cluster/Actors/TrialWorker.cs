using Akka.Actor;
using Akka.Event;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Cluster.Actors;

/// <summary>
/// One per worker node: trains up to <c>slots</c> trials at once, each on a dedicated thread (never
/// on the mailbox), and reports progress (twice a second at most) and every result to the
/// coordinator. A heartbeat each second tells the coordinator the free slots and what is running,
/// which is all it needs to recover after either side restarts. A trial it already runs is not
/// started twice.
/// A slot's thread, when its trial ends, takes the next queued trial itself: the hand-over costs
/// no trip through the mailbox and no new thread. The actor and the slot threads share the
/// running/queued bookkeeping under one lock.
/// </summary>
public sealed class TrialWorker : ReceiveActor, IWithTimers
{
    private sealed record Done(string JobId, string Key, TrialResult? Result);

    /// <summary>An assigned trial with its spec resolved, ready for a slot.</summary>
    private sealed record Ready(string JobId, string Key, SweepSpec Sweep, TrialSpec Trial);

    private sealed record Heartbeat
    {
        public static readonly Heartbeat Instance = new();
    }

    /// <summary>Sent by the node's coordinated shutdown.</summary>
    public sealed record Leave
    {
        public static readonly Leave Instance = new();
    }

    private bool _leaving;

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(500);

    private readonly IActorRef _coordinator;
    private readonly string _node;
    private readonly int _slots;
    private readonly DataLoader _data;
    private readonly bool _logTrials;
    private readonly Hosting.TrialExecutor _execute;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly object _gate = new();   // guards _running, _reporting, _queued and _leaving
    private readonly Dictionary<(string Job, string Key), CancellationTokenSource> _running = [];
    // Finished on a slot thread, result not yet sent: still held, so a heartbeat in between does not drop it.
    private readonly HashSet<(string Job, string Key)> _reporting = [];
    // Trials assigned ahead of a free slot (the coordinator prefetches), started as slots free up.
    private readonly LinkedList<Ready> _queued = new();
    private readonly Dictionary<string, (SweepSpec Spec, Dictionary<string, TrialSpec> Trials)> _plans = new(StringComparer.Ordinal);

    public ITimerScheduler Timers { get; set; } = null!;

    public TrialWorker(IActorRef coordinator, string node, int slots, string? dataDirectory, bool logTrials, Hosting.TrialExecutor? execute)
    {
        _logTrials = logTrials;
        _execute = execute ?? TrialRunner.Run;
        _coordinator = coordinator;
        _node = node;
        _slots = slots;
        _data = new DataLoader(dataDirectory);
        Receive<AssignTrial>(Start);
        Receive<Done>(Finish);
        Receive<CancelTrials>(m =>
        {
            lock (_gate)
            {
                foreach (var (key, cts) in _running.Where(r => r.Key.Job == m.JobId).ToList())
                {
                    cts.Cancel();
                    _running.Remove(key);
                }
                foreach (var q in _queued.Where(q => q.JobId == m.JobId).ToList()) _queued.Remove(q);
            }
            _plans.Remove(m.JobId);
        });
        Receive<TrialProgress>(m => _coordinator.Tell(m));
        Receive<Heartbeat>(_ => { if (!_leaving) ReportStatus(); });
        Receive<Leave>(_ =>
        {
            // Graceful leave: stop training, give every running trial back, answer when the coordinator took them.
            List<RunningTrial> trials;
            lock (_gate)
            {
                _leaving = true;
                trials = Held();
                foreach (var cts in _running.Values) cts.Cancel();
                _running.Clear();
                _queued.Clear();
            }
            Timers.CancelAll();
            if (_logTrials) Console.WriteLine($"leaving: handing back {trials.Count} trials");
            _coordinator.Ask<HandBackDone>(new HandBack(_node, trials), TimeSpan.FromSeconds(3)).PipeTo(Sender);
        });
    }

    public static Props Props(IActorRef coordinator, string node, int slots, string? dataDirectory, bool logTrials = false, Hosting.TrialExecutor? execute = null) =>
        Akka.Actor.Props.Create(() => new TrialWorker(coordinator, node, slots, dataDirectory, logTrials, execute));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("heartbeat", Heartbeat.Instance, TimeSpan.FromSeconds(1));
        ReportStatus();
    }

    protected override void PostStop()
    {
        lock (_gate)
        {
            _leaving = true;   // slot threads take nothing more
            foreach (var cts in _running.Values) cts.Cancel();
        }
    }

    /// <summary>Everything this worker holds: running, finished but not yet reported, and queued trials. Call under the lock.</summary>
    private List<RunningTrial> Held() =>
        [.. _running.Keys.Concat(_reporting).Select(k => new RunningTrial(k.Job, k.Key)), .. _queued.Select(q => new RunningTrial(q.JobId, q.Key))];

    private void ReportStatus()
    {
        List<RunningTrial> held;
        lock (_gate) held = Held();
        _coordinator.Tell(new WorkerStatus(_node, _slots, held));
    }

    private void Start(AssignTrial m)
    {
        if (m.SpecText is not null && !_plans.ContainsKey(m.JobId)) Plan(m.JobId, m.SpecText);
        if (!_plans.TryGetValue(m.JobId, out var plan))
        {
            // No spec for this job (it came with an earlier assignment we no longer have): report
            // nothing, and the coordinator's reconciliation re-queues the trial.
            _log.Warning("job {0}: no spec for trial {1}", m.JobId, m.Key);
            return;
        }
        if (!plan.Trials.TryGetValue(m.Key, out var trial))
        {
            _log.Error("job {0} has no trial {1}", m.JobId, m.Key);
            return;
        }
        var ready = new Ready(m.JobId, m.Key, plan.Spec, trial);
        CancellationTokenSource cts;
        lock (_gate)
        {
            var key = (m.JobId, m.Key);
            if (_leaving || _running.ContainsKey(key) || _reporting.Contains(key) || _queued.Any(q => q.JobId == m.JobId && q.Key == m.Key)) return;
            if (_running.Count >= _slots)
            {
                _queued.AddLast(ready);
                return;
            }
            cts = new CancellationTokenSource();
            _running[key] = cts;
        }
        // A dedicated thread per slot: training must never starve Akka's dispatcher, whose
        // heartbeats the failure detector depends on.
        var self = Self;
        Task.Factory.StartNew(() => RunSlot(ready, cts, self), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Plan(string jobId, string specText)
    {
        var spec = SpecParser.Parse(specText, jobId);
        _plans[jobId] = (spec, Planner.Expand(spec).ToDictionary(t => t.Key, StringComparer.Ordinal));
    }

    /// <summary>A slot's thread: trains its trial, hands the result to the actor, then takes the next queued trial, until none is left.</summary>
    private void RunSlot(Ready ready, CancellationTokenSource cts, IActorRef self)
    {
        while (true)
        {
            var (jobId, key) = (ready.JobId, ready.Key);
            if (_logTrials) Console.WriteLine($"start {jobId} {key}");
            TrialResult? result;
            // Live progress is throttled: at most one message per trial every ProgressEvery, carrying the
            // best validation accuracy since the last one (all the coordinator keeps from it); the full
            // curve travels with the result. Per-epoch messages cost the coordinator's machine CPU
            // that trials on it want (measured: 9,600 messages in a 24-trial job of 400 epochs).
            var sinceSent = System.Diagnostics.Stopwatch.StartNew();
            var pending = (Epoch: 0, Best: double.NaN);
            void Progress(Learning.Training.EpochMetrics e)
            {
                pending = (e.Epoch, double.IsNaN(pending.Best) || e.ValidationAccuracy > pending.Best ? e.ValidationAccuracy : pending.Best);
                if (sinceSent.Elapsed < ProgressEvery) return;
                self.Tell(new TrialProgress(jobId, key, pending.Epoch, pending.Best));
                pending = (0, double.NaN);
                sinceSent.Restart();
            }
            try
            {
                result = _execute(ready.Sweep, ready.Trial, _data, Progress, cts.Token);
                if (pending.Epoch > 0) self.Tell(new TrialProgress(jobId, key, pending.Epoch, pending.Best));
            }
            catch (OperationCanceledException)
            {
                result = null;   // cancelled: nothing to report
            }
            catch (Exception e)
            {
                result = new TrialResult(ready.Trial, TrialOutcome.Failed, null, e.GetBaseException().Message, [], double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, null, 0);
            }
            Ready? next = null;
            CancellationTokenSource? nextCts = null;
            lock (_gate)
            {
                // Still ours unless cancelled or handed back meanwhile; then there is nothing to report.
                if (_running.TryGetValue((jobId, key), out var current) && current == cts)
                {
                    _running.Remove((jobId, key));
                    if (result is not null) _reporting.Add((jobId, key));
                    self.Tell(new Done(jobId, key, result));
                }
                if (!_leaving && _queued.First is { } first)
                {
                    _queued.RemoveFirst();
                    next = first.Value;
                    nextCts = new CancellationTokenSource();
                    _running[(next.JobId, next.Key)] = nextCts;   // in the same turn of the lock: always held somewhere
                }
            }
            cts.Dispose();
            if (next is null || nextCts is null) return;
            ready = next;
            cts = nextCts;
        }
    }

    private void Finish(Done m)
    {
        if (m.Result is { } r)
        {
            var outcome = r.Outcome.ToString().ToLowerInvariant();
            if (_logTrials) Console.WriteLine($"done {m.JobId} {m.Key} {outcome} {r.Seconds:F2}s");
            _coordinator.Tell(new TrialFinished(m.JobId, m.Key, outcome, ResultJson.Line(r), ResultJson.Telemetry(m.Key, _node, r.Seconds), r.ValidationAccuracy));
            lock (_gate) _reporting.Remove((m.JobId, m.Key));
        }
        ReportStatus();
    }
}
