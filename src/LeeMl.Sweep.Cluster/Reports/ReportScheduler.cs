using Akka.Actor;
using Akka.Event;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Reports;

/// <summary>Render a job's files and reports from the store (a half-way one may be skipped or merged); <see cref="Spec"/>: the job's spec, where the sender has it parsed.</summary>
public sealed record RenderReport(string JobId, bool Final, JobProgress Progress)
{
    public Experiments.Specs.SweepSpec? Spec { get; init; }
}

/// <summary>The reports of <see cref="RenderReport"/> are on disk (or failed with <paramref name="Error"/>).</summary>
public sealed record ReportRendered(string JobId, bool Final, string? Error);

/// <summary>
/// One report budget for the whole node: reports are drawn one at a time, off the mailbox, in the
/// order <see cref="ReportQueue{TAsker}"/> decides, because the node's cores train.
/// </summary>
public sealed class ReportScheduler : ReceiveActor, IWithTimers
{
    private sealed record Done(RenderReport Request, IActorRef ReplyTo, string? Error, TimeSpan Cost);

    private sealed record Wake
    {
        public static readonly Wake Instance = new();
    }

    private readonly ISweepStore _store;
    private readonly IReportRenderer _renderer;
    private readonly Func<string, string> _folderOf;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ReportQueue<IActorRef> _queue = new();
    private readonly Experiments.Specs.SpecCache _specs;

    public ITimerScheduler Timers { get; set; } = null!;

    public ReportScheduler(ISweepStore store, IReportRenderer renderer, Experiments.Specs.SpecCache specs, Func<string, string> folderOf)
    {
        _specs = specs;
        _store = store;
        _renderer = renderer;
        _folderOf = folderOf;
        Receive<RenderReport>(m =>
        {
            foreach (var (request, asker) in _queue.Add(m, Sender)) asker.Tell(new ReportRendered(request.JobId, request.Final, null));
            Next();
        });
        Receive<Done>(d =>
        {
            if (d.Error is not null) _log.Error("job {0}: its report could not be written: {1}", d.Request.JobId, d.Error);
            _queue.Drawn(d.Request, d.Cost, DateTimeOffset.UtcNow);
            d.ReplyTo.Tell(new ReportRendered(d.Request.JobId, d.Request.Final, d.Error));
            Next();
        });
        Receive<Wake>(_ => Next());
    }

    public static Props Props(ISweepStore store, IReportRenderer renderer, Experiments.Specs.SpecCache specs, Func<string, string> folderOf) =>
        Akka.Actor.Props.Create(() => new ReportScheduler(store, renderer, specs, folderOf));

    private void Next()
    {
        if (_queue.Next(DateTimeOffset.UtcNow, out var wait) is not var (request, replyTo))
        {
            if (wait is { } w && !Timers.IsTimerActive("wake")) Timers.StartSingleTimer("wake", Wake.Instance, w);
            return;
        }
        var (store, renderer, specs) = (_store, _renderer, _specs);
        var dir = _folderOf(request.JobId);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Task.Run(async () =>
        {
            var job = await store.GetJob(request.JobId) ?? throw new InvalidOperationException("the job is not in the store");
            await renderer.Write(store, job, request.Spec ?? specs.Get(job.Id, job.SpecText), dir, request.Progress);
        }).PipeTo(Self,
            success: () => new Done(request, replyTo, null, clock.Elapsed),
            failure: e => new Done(request, replyTo, e.GetBaseException().Message, clock.Elapsed));
    }
}
