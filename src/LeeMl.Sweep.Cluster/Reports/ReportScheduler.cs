using Akka.Actor;
using Akka.Event;
using LeeMl.Sweep.Experiments.Store;
using LeeMl.Sweep.Reporting;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Cluster.Reports;

/// <summary>Render a job's files and reports from the store (a half-way one may be skipped or merged).</summary>
public sealed record RenderReport(string JobId, bool Final, JobProgress Progress);

/// <summary>The reports of <see cref="RenderReport"/> are on disk (or failed with <paramref name="Error"/>).</summary>
public sealed record ReportRendered(string JobId, bool Final, string? Error);

/// <summary>
/// One report budget for the whole node: reports are drawn one at a time, off the mailbox, final
/// ones first; half-way reports of all jobs together take at most a tenth of a core (after a
/// report that took T, the next half-way one waits 9·T), because the node's cores train.
/// </summary>
public sealed class ReportScheduler : ReceiveActor, IWithTimers
{
    private sealed record Done(RenderReport Request, IActorRef ReplyTo, string? Error, TimeSpan Cost);

    private sealed record Wake
    {
        public static readonly Wake Instance = new();
    }

    public const double Share = 0.1;

    private readonly ISweepStore _store;
    private readonly Func<string, string> _folderOf;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<(RenderReport Request, IActorRef ReplyTo)> _final = new();
    private readonly Dictionary<string, (RenderReport Request, IActorRef ReplyTo)> _halfWay = new(StringComparer.Ordinal);
    private readonly Queue<string> _halfWayOrder = new();
    private bool _busy;
    private DateTimeOffset _notBefore = DateTimeOffset.MinValue;
    private bool _wakeScheduled;

    public ITimerScheduler Timers { get; set; } = null!;

    public ReportScheduler(ISweepStore store, Func<string, string> folderOf)
    {
        _store = store;
        _folderOf = folderOf;
        Receive<RenderReport>(m =>
        {
            if (m.Final) _final.Enqueue((m, Sender));
            else
            {
                if (!_halfWay.ContainsKey(m.JobId)) _halfWayOrder.Enqueue(m.JobId);
                _halfWay[m.JobId] = (m, Sender);   // the newest request of a job replaces an older one
            }
            Next();
        });
        Receive<Done>(d =>
        {
            _busy = false;
            if (d.Error is not null) _log.Error("job {0}: its report could not be written: {1}", d.Request.JobId, d.Error);
            if (!d.Request.Final) _notBefore = DateTimeOffset.UtcNow + d.Cost * ((1 - Share) / Share);
            d.ReplyTo.Tell(new ReportRendered(d.Request.JobId, d.Request.Final, d.Error));
            Next();
        });
        Receive<Wake>(_ =>
        {
            _wakeScheduled = false;
            Next();
        });
    }

    public static Props Props(ISweepStore store, Func<string, string> folderOf) => Akka.Actor.Props.Create(() => new ReportScheduler(store, folderOf));

    private void Next()
    {
        if (_busy) return;
        (RenderReport Request, IActorRef ReplyTo) next;
        if (_final.Count > 0) next = _final.Dequeue();
        else if (_halfWayOrder.Count > 0)
        {
            var wait = _notBefore - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                if (!_wakeScheduled)
                {
                    _wakeScheduled = true;
                    Timers.StartSingleTimer("wake", Wake.Instance, wait);
                }
                return;
            }
            var job = _halfWayOrder.Dequeue();
            next = _halfWay[job];
            _halfWay.Remove(job);
        }
        else return;
        _busy = true;
        var (request, replyTo) = next;
        var store = _store;
        var dir = _folderOf(request.JobId);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Task.Run(async () =>
        {
            var job = await store.GetJob(request.JobId) ?? throw new InvalidOperationException("the job is not in the store");
            await JobFolder.Write(store, job, dir, request.Progress);
        }).PipeTo(Self,
            success: () => new Done(request, replyTo, null, clock.Elapsed),
            failure: e => new Done(request, replyTo, e.GetBaseException().Message, clock.Elapsed));
    }
}
