using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Dispatch;

/// <summary>
/// The cluster singleton that matches free worker slots with jobs that have work (a thin shell
/// around <see cref="DispatchBoard"/>). It also keeps every open job running: every few seconds
/// it reads the open jobs from the store and wakes their entities, so a job whose coordinator
/// died restarts on another one (remember-entities, backed by the store).
/// </summary>
public sealed class Dispatcher : Security.MemberOnlyActor, IWithTimers
{
    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record OpenJobs(IReadOnlyList<string> Ids);

    private static readonly TimeSpan ScanEvery = TimeSpan.FromSeconds(2);

    private readonly DispatchBoard _board = new(workerExpiry: TimeSpan.FromSeconds(10), jobExpiry: TimeSpan.FromSeconds(5));
    private readonly Dictionary<string, IActorRef> _workers = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Supervision.OutageNotice _storeOutage = new();
    private readonly ISweepStore _store;
    private readonly IActorRef _jobs;
    private DateTimeOffset _lastScan = DateTimeOffset.MinValue;
    private bool _scanning;

    public ITimerScheduler Timers { get; set; } = null!;

    public Dispatcher(ISweepStore store, IActorRef jobs)
    {
        _store = store;
        _jobs = jobs;
        Receive<WorkerHeartbeat>(m =>
        {
            var node = NodeAddress.Of(Sender, Context.System);
            _workers[node] = Sender;
            _board.Heartbeat(node, m.Slots, m.Running, m.Queued, DateTimeOffset.UtcNow, m.Paused, m.IdleWaitingSeconds, m.Programs, m.Gpus);
        });
        Receive<RequestWork>(m =>
        {
            var node = NodeAddress.Of(Sender, Context.System);
            _workers[node] = Sender;
            var job = _board.Request(node, DateTimeOffset.UtcNow);
            if (job is null) Sender.Tell(NoWork.Instance);
            else _jobs.Tell(new OfferSlots(job, node, Math.Clamp(m.Count, 1, 4096)) { Programs = m.Programs, FreeGpus = m.FreeGpus, IdleSlots = m.IdleSlots }, Sender);   // the job answers the worker directly
        });
        Receive<JobPending>(m =>
        {
            if (!_board.JobPending(m.JobId, m.Pending, DateTimeOffset.UtcNow)) return;
            foreach (var node in _board.TakeWaiting())
                if (_workers.TryGetValue(node, out var w)) w.Tell(WorkAvailable.Instance);
        });
        Receive<GetNodes>(_ => Sender.Tell(new NodesReply(Nodes())));
        Receive<Tick>(_ =>
        {
            _board.Expire(DateTimeOffset.UtcNow);
            if (!_scanning && DateTimeOffset.UtcNow - _lastScan >= ScanEvery)
            {
                _scanning = true;
                _lastScan = DateTimeOffset.UtcNow;
                _store.OpenJobIds().PipeTo(Self, success: ids => new OpenJobs(ids), failure: e => new Status.Failure(e));
            }
        });
        Receive<OpenJobs>(m =>
        {
            _scanning = false;
            if (_storeOutage.Worked() is { } failures) _log.Info("the open jobs are read from {0} again (after {1} failed tries)", _store.Identity, failures);
            foreach (var id in m.Ids) _jobs.Tell(new WakeJob(id));
        });
        Receive<Status.Failure>(f =>
        {
            _scanning = false;
            if (_storeOutage.Failed()) _log.Warning("cannot read the open jobs from {0}: {1}; trying again", _store.Identity, f.Cause.GetBaseException().Message);
            else _log.Debug("cannot read the open jobs from {0}: {1}", _store.Identity, f.Cause.GetBaseException().Message);
        });
        Receive<ClusterEvent.MemberRemoved>(m =>
        {
            var node = NodeAddress.Of(m.Member.Address);
            _board.Forget(node);
            _workers.Remove(node);
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    public static Props Props(ISweepStore store, IActorRef jobs) => Akka.Actor.Props.Create(() => new Dispatcher(store, jobs));

    protected override void PreStart()
    {
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromMilliseconds(500));
        Self.Tell(Tick.Instance);
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    /// <summary>Every member (coordinators included), with the slots its worker reported.</summary>
    private List<NodeView> Nodes()
    {
        var members = Akka.Cluster.Cluster.Get(Context.System).State.Members.Where(m => m.Status == MemberStatus.Up);
        return [.. members.Select(m =>
        {
            var node = NodeAddress.Of(m.Address);
            var roles = m.Roles.Order(StringComparer.Ordinal).ToList();
            return _board.View(node, roles) ?? new NodeView(node, roles, 0, 0, 0);
        }).OrderBy(n => n.Address, StringComparer.Ordinal)];
    }
}
