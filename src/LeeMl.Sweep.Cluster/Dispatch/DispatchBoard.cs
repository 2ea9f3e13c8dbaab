using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cluster.Dispatch;

/// <summary>
/// Who has free slots and which jobs have work, rebuilt from heartbeats alone (no durable state):
/// a dispatcher that moves to another node knows everything again within a heartbeat or two.
/// Pure: time comes with each event. A request for work goes to the next job with pending trials
/// in turn, so jobs share the slots; the job then hands the worker as many trials as it asked for.
/// </summary>
public sealed class DispatchBoard(TimeSpan workerExpiry, TimeSpan jobExpiry)
{
    private sealed class Worker
    {
        public int Slots { get; set; }
        public int Running { get; set; }
        public int Queued { get; set; }
        public int Paused { get; set; }
        public double IdleWaiting { get; set; }
        public DateTimeOffset Seen { get; set; }
        public bool Waiting { get; set; }
        public bool Programs { get; set; }
        public int Gpus { get; set; }
    }

    private readonly Dictionary<string, Worker> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Pending, DateTimeOffset Seen)> _jobs = new(StringComparer.Ordinal);
    private readonly List<string> _turn = [];   // jobs with pending work, in the order they take turns
    private int _next;

    public void Heartbeat(string node, int slots, int running, int queued, DateTimeOffset now, int paused = 0, double idleWaiting = 0, bool programs = false, int gpus = 0)
    {
        if (!_workers.TryGetValue(node, out var w)) _workers[node] = w = new Worker();
        (w.Slots, w.Running, w.Queued, w.Paused, w.IdleWaiting, w.Seen, w.Programs, w.Gpus) = (slots, running, queued, paused, idleWaiting, now, programs, gpus);
    }

    /// <summary>A job's pending count; true when it now has work and had none (idle workers should ask).</summary>
    public bool JobPending(string jobId, long pending, DateTimeOffset now)
    {
        var had = _jobs.TryGetValue(jobId, out var before) && before.Pending > 0;
        if (pending <= 0)
        {
            _jobs.Remove(jobId);
            _turn.Remove(jobId);
            return false;
        }
        _jobs[jobId] = (pending, now);
        if (!had) _turn.Add(jobId);
        return !had;
    }

    /// <summary>The job whose turn it is to fill <paramref name="node"/>'s free places, or null (the worker then waits).</summary>
    public string? Request(string node, DateTimeOffset now)
    {
        if (!_workers.TryGetValue(node, out var w)) _workers[node] = w = new Worker { Seen = now };
        if (_turn.Count == 0)
        {
            w.Waiting = true;
            return null;
        }
        w.Waiting = false;
        _next %= _turn.Count;
        return _turn[_next++];
    }

    /// <summary>Workers that asked and got nothing: tell them when work comes.</summary>
    public IReadOnlyList<string> TakeWaiting()
    {
        var waiting = _workers.Where(w => w.Value.Waiting).Select(w => w.Key).ToList();
        foreach (var node in waiting) _workers[node].Waiting = false;
        return waiting;
    }

    /// <summary>Forgets workers and jobs that stopped reporting (a job's entity restarts elsewhere and reports again).</summary>
    public void Expire(DateTimeOffset now)
    {
        foreach (var node in _workers.Where(w => now - w.Value.Seen > workerExpiry).Select(w => w.Key).ToList()) _workers.Remove(node);
        foreach (var job in _jobs.Where(j => now - j.Value.Seen > jobExpiry).Select(j => j.Key).ToList()) JobPending(job, 0, now);
    }

    public void Forget(string node) => _workers.Remove(node);

    public IReadOnlyList<string> Jobs => _turn;

    public NodeView? View(string node, IReadOnlyList<string> roles) =>
        _workers.TryGetValue(node, out var w) ? new NodeView(node, roles, w.Slots, w.Running, w.Queued) { Paused = w.Paused, IdleWaitingSeconds = Math.Round(w.IdleWaiting, 3), Programs = w.Programs, Gpus = w.Gpus } : null;
}
