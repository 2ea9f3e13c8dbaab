using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.Logging;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Data;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Trials;

namespace LeeMl.Sweep.Cluster.Workers;

/// <summary>
/// One per worker node: the actor shell around <see cref="WorkerLedger"/> (what the node holds and
/// owes) and <see cref="SlotPool"/> (the threads that run trials). Messages from the cluster and
/// from the slots become ledger events; the ledger's effects are carried out here, in order. A
/// job's spec is parsed off the mailbox, once per job while its plan is cached.
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

    private sealed record PlanReady(string JobId, JobPlan? Plan, string? Error);

    private readonly WorkerOptions _options;
    private readonly IActorRef _dispatcher;
    private readonly IActorRef _jobs;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly WorkerLedger _ledger;
    private SlotPool? _slots;

    public ITimerScheduler Timers { get; set; } = null!;

    public TrialWorker(WorkerOptions options, IActorRef dispatcher, IActorRef jobs)
    {
        _options = options;
        _dispatcher = dispatcher;
        _jobs = jobs;
        _ledger = new WorkerLedger(options.Node, options.Slots) { Programs = options.Programs is not null, Gpus = options.Gpus };
        var ledger = _ledger;
        Metrics.SweepMetrics.ObserveSlots(() => (ledger.Slots, ledger.Running, ledger.Queued, ledger.Paused));   // read by a scrape: a count, a moment stale at worst
        Metrics.SweepMetrics.ObserveWaits(() => (ledger.IdleWaitingSeconds, ledger.Gpus.Count, ledger.GpusBusy));
        Receive<AssignTrials>(m => Execute(_ledger.Assigned(m.JobId, m.Trials, Protocol.NodeAddress.Of(Sender, Context.System), Now, m.PlanSize)));
        Receive<JobSpecText>(m =>
        {
            var (options, jobId) = (_options, m.JobId);
            Task.Run(() =>
            {
                var spec = options.Specs.Get(jobId, m.SpecText);
                var manifest = System.Text.Json.JsonSerializer.Deserialize(m.DataManifest, ShippedFileJson.Default.IReadOnlyListShippedFile) ?? [];
                return new JobPlan(spec, new TrialPlan(spec), new Experiments.Running.DataLoader(options.SourcesFor(manifest)), options.Kind ?? TrialKinds.Of(spec)) { Programs = options.Programs };
            }).PipeTo(Self, success: p => new PlanReady(jobId, p, null), failure: e => new PlanReady(jobId, null, e.GetBaseException().Message));
        });
        Receive<PlanReady>(m => Execute(m.Plan is { } plan ? _ledger.PlanReady(m.JobId, plan, Now) : _ledger.PlanFailed(m.JobId, m.Error!)));
        Receive<NoWork>(_ => Execute(_ledger.NoWork()));
        Receive<WorkAvailable>(_ => Execute(_ledger.WorkAvailable(Now)));
        Receive<Ask>(_ => Execute(_ledger.WorkAvailable(Now)));
        Receive<SlotEvent.Started>(m => Execute(_ledger.SlotStarted(m.Run, Now)));
        Receive<SlotEvent.Progress>(m => Execute(_ledger.SlotProgress(m.Run, m.Step, m.Train, m.Validation)));
        Receive<SlotEvent.Paused>(m => Execute(_ledger.SlotPaused(m.Run, m.Score, m.Seconds, Now)));
        Receive<SlotEvent.Done>(m =>
        {
            ShipOutput(m.Run, final: true);   // the last of the trial's output goes before its result
            Execute(_ledger.SlotDone(m.Run, m.Result, m.Fault, m.Seconds, Now));
        });
        Receive<RungDecision>(m => Execute(_ledger.Decided(m, Now)));
        Receive<ResultsStored>(m => Execute(_ledger.Stored(m, Now)));
        Receive<ChunkStored>(m => Execute(_ledger.ChunkStored(m, Now)));
        Receive<CancelTrials>(m => Execute(_ledger.Cancelled(m.JobId, Now)));
        Receive<Tick>(_ =>
        {
            Execute(_ledger.Tick(Now));
            foreach (var run in _ledger.HeldRuns) ShipOutput(run, final: false);
        });
        Receive<Leave>(_ => HandEverythingBack());
    }

    public static Props Props(WorkerOptions options, IActorRef dispatcher, IActorRef jobs) =>
        Akka.Actor.Props.Create(() => new TrialWorker(options, dispatcher, jobs));

    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    protected override void PreStart()
    {
        var self = Self;
        _slots = new SlotPool(_options.Slots, e => self.Tell(e));
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromSeconds(1));
        Self.Tell(Tick.Instance);
    }

    protected override void PostStop()
    {
        Execute(_ledger.Leave(Now).Effects.OfType<WorkerEffect.Cancel>().ToList());
        _slots?.Dispose();
    }

    private void Execute(IReadOnlyList<WorkerEffect> effects)
    {
        foreach (var effect in effects)
            switch (effect)
            {
                case WorkerEffect.ToJob j:
                    if (j.Message is TrialFinished f) Metrics.SweepMetrics.Ended(f.Result.Outcome);
                    else if (j.Message is TrialFault) Metrics.SweepMetrics.Faulted();
                    _jobs.Tell(j.Message, Self);
                    break;
                case WorkerEffect.ToDispatcher d:
                    _dispatcher.Tell(d.Message, Self);
                    break;
                case WorkerEffect.AskLater a:
                    Timers.StartSingleTimer("ask", Ask.Instance, a.Delay);
                    break;
                case WorkerEffect.Log l:
                    if (l.Kind == "start") Metrics.SweepMetrics.Started();
                    // The job and trial as fields of a scope: a JSON log line names them, the plain line reads as before.
                    using (l.Job is null ? null : _options.TrialLog.BeginScope(new Dictionary<string, object?> { ["job"] = l.Job, ["trial"] = l.Trial }))
                        _options.TrialLog.LogInformation("{Kind} {Text}", l.Kind, l.Text);
                    break;
                case WorkerEffect.Warn w:
                    _log.Warning(w.Text);
                    break;
                case WorkerEffect.Dispatched d:
                    Metrics.SweepMetrics.Dispatched(d.Took);
                    break;
                default:
                    _slots?.Carry(effect);
                    break;
            }
    }

    /// <summary>Sends the job what a program trial printed since the last time (its newest part once it is over), a piece of whole lines at a time.</summary>
    private void ShipOutput(SlotRun run, bool final)
    {
        if (run.Output is not { } output) return;
        for (var pieces = 0; pieces < (final ? 8 : 1) && output.Total > run.OutputSent; pieces++)
        {
            var (from, text) = output.Since(run.OutputSent, MessageChecks.MaxOutputChars / 2);
            if (text.Length == 0) break;
            _jobs.Tell(new TrialOutput(run.JobId, run.Ticket.Index, run.Ticket.Attempt, from, text), Self);
            run.OutputSent = from + text.Length;
        }
    }

    private void HandEverythingBack()
    {
        Timers.CancelAll();
        var (effects, handBacks) = _ledger.Leave(Now);
        Execute(effects);
        var asks = handBacks.Select(h => _jobs.Ask<HandBackDone>(h, TimeSpan.FromSeconds(3))).ToList();
        Task.WhenAll(asks).ContinueWith(t => new HandBackDone("", t.IsCompletedSuccessfully ? t.Result.Sum(r => r.Trials) : 0), TaskScheduler.Default).PipeTo(Sender);
    }
}
