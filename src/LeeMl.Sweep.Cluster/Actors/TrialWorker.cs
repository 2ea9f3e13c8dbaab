using Akka.Actor;
using Akka.Event;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Cluster.Actors;

/// <summary>
/// One per worker node: trains up to <c>slots</c> trials at once, each on the thread pool (never on
/// the mailbox), and reports every epoch and every result to the coordinator. A heartbeat each
/// second tells the coordinator the free slots and what is running, which is all it needs to
/// recover after either side restarts. A trial it already runs is not started twice.
/// </summary>
public sealed class TrialWorker : ReceiveActor, IWithTimers
{
    private sealed record Done(string JobId, string Key, TrialResult? Result);

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

    private readonly IActorRef _coordinator;
    private readonly string _node;
    private readonly int _slots;
    private readonly DataLoader _data;
    private readonly bool _logTrials;
    private readonly Hosting.TrialExecutor _execute;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<(string Job, string Key), CancellationTokenSource> _running = [];
    // Trials assigned ahead of a free slot (the coordinator prefetches), started as slots free up.
    private readonly LinkedList<AssignTrial> _queued = new();
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
            foreach (var (key, cts) in _running.Where(r => r.Key.Job == m.JobId).ToList())
            {
                cts.Cancel();
                _running.Remove(key);
            }
            foreach (var q in _queued.Where(q => q.JobId == m.JobId).ToList()) _queued.Remove(q);
            _plans.Remove(m.JobId);
        });
        Receive<TrialProgress>(m => _coordinator.Tell(m));
        Receive<Heartbeat>(_ => { if (!_leaving) ReportStatus(); });
        Receive<Leave>(_ =>
        {
            // Graceful leave: stop training, give every running trial back, answer when the coordinator took them.
            _leaving = true;
            Timers.CancelAll();
            var trials = Held();
            foreach (var cts in _running.Values) cts.Cancel();
            _running.Clear();
            _queued.Clear();
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
        foreach (var cts in _running.Values) cts.Cancel();
    }

    /// <summary>Everything this worker holds: running and queued trials.</summary>
    private List<RunningTrial> Held() =>
        [.. _running.Keys.Select(k => new RunningTrial(k.Job, k.Key)), .. _queued.Select(q => new RunningTrial(q.JobId, q.Key))];

    private void ReportStatus() => _coordinator.Tell(new WorkerStatus(_node, _slots, Held()));

    private void Start(AssignTrial m)
    {
        if (_leaving || _running.ContainsKey((m.JobId, m.Key)) || _queued.Any(q => q.JobId == m.JobId && q.Key == m.Key)) return;
        if (m.SpecText is not null && !_plans.ContainsKey(m.JobId)) Plan(m.JobId, m.SpecText);
        if (_running.Count >= _slots)
        {
            _queued.AddLast(m);
            return;
        }
        Launch(m);
    }

    private void Plan(string jobId, string specText)
    {
        var spec = SpecParser.Parse(specText, jobId);
        _plans[jobId] = (spec, Planner.Expand(spec).ToDictionary(t => t.Key, StringComparer.Ordinal));
    }

    private void Launch(AssignTrial m)
    {
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
        var cts = new CancellationTokenSource();
        _running[(m.JobId, m.Key)] = cts;
        var self = Self;
        var sweep = plan.Spec;
        var data = _data;
        var execute = _execute;
        if (_logTrials) Console.WriteLine($"start {m.JobId} {m.Key}");
        // A dedicated thread per trial: training must never starve Akka's dispatcher, whose
        // heartbeats the failure detector depends on.
        Task.Factory.StartNew(() => execute(sweep, trial, data,
                e => self.Tell(new TrialProgress(m.JobId, m.Key, e.Epoch, e.ValidationAccuracy)), cts.Token),
                cts.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .PipeTo(self, success: r => new Done(m.JobId, m.Key, r), failure: e => new Done(m.JobId, m.Key,
                e is OperationCanceledException or AggregateException { InnerException: OperationCanceledException }
                    ? null   // cancelled: nothing to report
                    : new TrialResult(trial, TrialOutcome.Failed, null, e.GetBaseException().Message, [], double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, null, 0)));
    }

    private void Finish(Done m)
    {
        if (!_running.Remove((m.JobId, m.Key), out var cts)) return;   // cancelled meanwhile
        cts.Dispose();
        if (_queued.First is { } next && !_leaving)
        {
            _queued.RemoveFirst();
            Launch(next.Value);   // the next trial starts before the result even leaves
        }
        if (m.Result is { } r)
        {
            var outcome = r.Outcome.ToString().ToLowerInvariant();
            if (_logTrials) Console.WriteLine($"done {m.JobId} {m.Key} {outcome} {r.Seconds:F2}s");
            _coordinator.Tell(new TrialFinished(m.JobId, m.Key, outcome, ResultJson.Line(r), ResultJson.Telemetry(m.Key, _node, r.Seconds), r.ValidationAccuracy));
        }
        ReportStatus();
    }
}
