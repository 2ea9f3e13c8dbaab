using Akka.Actor;
using Akka.Event;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Reporting;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Cluster.Actors;

/// <summary>
/// The coordinator (a cluster singleton on the coordinator role). It expands each submitted spec
/// into trials and hands them to workers as slots free up (work pulling: no slot idles while
/// trials wait, and a node with more slots takes more). Delivery is at least once: a trial
/// assigned to a worker that dies, or that the worker stops reporting, goes back to the queue;
/// trials are idempotent by key, so a duplicate result is dropped. A result counts only once it
/// is committed to the database; a restarted coordinator reads back its unfinished jobs and
/// queues only the trials without a stored result.
/// </summary>
public sealed class SweepCoordinator : ReceiveActor, IWithTimers
{
    private sealed class Worker(string node, int slots)
    {
        public string Node { get; set; } = node;
        public int Slots { get; set; } = slots;
        public Dictionary<(string Job, string Key), DateTime> Assigned { get; } = [];
        public HashSet<string> KnowsSpecOf { get; } = new(StringComparer.Ordinal);   // jobs whose spec text it has
        /// <summary>
        /// Room for more trials: its slots plus a prefetch of half as many again, queued on the
        /// worker, so a slot never waits a round trip for its next trial.
        /// </summary>
        public int Free => Slots + Math.Max(1, Slots / 2) - Assigned.Count;
    }

    private static readonly TimeSpan LostAfter = TimeSpan.FromSeconds(5);
    private readonly string _databasePath;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, JobState> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, Worker> _workers = [];
    private readonly HashSet<IActorRef> _leaving = [];   // handed back: their heartbeats no longer register them
    private SweepStore _store = null!;
    private int _roundRobin;

    public ITimerScheduler Timers { get; set; } = null!;

    public SweepCoordinator(string databasePath)
    {
        _databasePath = databasePath;
        Receive<SubmitJob>(Submit);
        Receive<GetStatus>(m => Sender.Tell(Status(m.JobId)));
        Receive<CancelJob>(Cancel);
        Receive<GetResults>(m => Sender.Tell(Results(m)));
        Receive<WorkerStatus>(Heartbeat);
        Receive<TrialProgress>(m =>
        {
            if (_jobs.TryGetValue(m.JobId, out var job)) job.NoteValidation(m.ValidationAccuracy);
        });
        Receive<TrialFinished>(Finished);
        Receive<HandBack>(HandedBack);
        Receive<Terminated>(t => Lost(t.ActorRef));
        Receive<Tick>(_ =>
        {
            Dispatch();
            foreach (var job in _jobs.Values.Where(j => j.ReportDue)) StartReport(job);
        });
        Receive<ReportWritten>(Reported);
    }

    public static Props Props(string databasePath) => Akka.Actor.Props.Create(() => new SweepCoordinator(databasePath));

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record ReportWritten(string JobId, bool Final, string? Error, TimeSpan Cost);

    protected override void PreStart()
    {
        _store = new SweepStore(_databasePath);
        foreach (var stored in _store.Jobs("running"))
        {
            var job = Load(stored);
            var results = _store.Results(stored.Id);
            foreach (var (key, outcome, _, _) in results) Count(job, key, outcome);
            foreach (var t in job.Plan.Where(t => !job.Done.Contains(t.Key))) job.Pending.AddLast(t.Key);
            _log.Info("resumed job {0}: {1} of {2} trials already done", stored.Id, job.Done.Count, job.Plan.Count);
            if (job.IsComplete) Complete(job);
        }
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromSeconds(1));
    }

    protected override void PostStop() => _store?.Dispose();

    private JobState Load(StoredJob stored)
    {
        var spec = SpecParser.Parse(stored.SpecText, stored.Name);
        var job = new JobState(stored, spec, Planner.Expand(spec));
        _jobs[stored.Id] = job;
        return job;
    }

    private void Submit(SubmitJob m)
    {
        SweepSpec spec;
        try
        {
            spec = SpecParser.Parse(m.SpecText, m.SpecFile);
        }
        catch (SpecException e)
        {
            Sender.Tell(new JobRejected(e.Message));
            return;
        }
        var id = $"{spec.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}";
        var outDir = m.OutputDirectory ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(_databasePath))!, "jobs", id);
        var plan = Planner.Expand(spec);
        var stored = new StoredJob(id, spec.Name, m.SpecText, outDir, "running", plan.Count);
        Directory.CreateDirectory(outDir);
        Experiments.Files.AtomicFile.WriteText(Path.Combine(outDir, "spec.yaml"), m.SpecText);
        _store.CreateJob(stored);
        var job = new JobState(stored, spec, plan);
        _jobs[id] = job;
        foreach (var t in plan) job.Pending.AddLast(t.Key);
        _log.Info("job {0}: {1} trials", id, plan.Count);
        Sender.Tell(new JobAccepted(id, plan.Count, outDir));
        Dispatch();
    }

    private void Heartbeat(WorkerStatus m)
    {
        if (_leaving.Contains(Sender)) return;
        if (!_workers.TryGetValue(Sender, out var worker))
        {
            worker = new Worker(m.Node, m.Slots);
            _workers[Sender] = worker;
            Context.Watch(Sender);
            _log.Info("worker {0} with {1} slots", m.Node, m.Slots);
        }
        worker.Slots = m.Slots;
        var reported = m.Running.Select(r => (r.JobId, r.Key)).ToHashSet();
        // What the worker trains but we did not know (we restarted): take it as assigned there.
        foreach (var (jobId, key) in reported)
        {
            if (worker.Assigned.ContainsKey((jobId, key)) || !_jobs.TryGetValue(jobId, out var job) || job.Done.Contains(key)) continue;
            worker.Assigned[(jobId, key)] = DateTime.UtcNow;
            if (job.Pending.Remove(key)) job.Running[key] = Sender;
        }
        // What we assigned but the worker does not train (lost on the way): queue it again.
        foreach (var (assignment, at) in worker.Assigned.ToList())
            if (!reported.Contains(assignment) && DateTime.UtcNow - at > LostAfter)
                Requeue(worker, assignment);
        Dispatch();
    }

    private void Finished(TrialFinished m)
    {
        if (_workers.TryGetValue(Sender, out var worker)) worker.Assigned.Remove((m.JobId, m.Key));
        if (!_jobs.TryGetValue(m.JobId, out var job) || job.Done.Contains(m.Key) || !job.IsActive)
        {
            Dispatch();
            return;   // a duplicate (re-sent trial) or a cancelled job: the first result stands
        }
        if (_store.SaveResult(m.JobId, m.Key, m.Outcome, m.ResultLine, m.TelemetryLine))
        {
            Count(job, m.Key, m.Outcome);
            job.NoteValidation(m.ValidationAccuracy);
        }
        job.Running.Remove(m.Key);
        job.Pending.Remove(m.Key);
        if (job.IsComplete) Complete(job);
        Dispatch();
    }

    private static void Count(JobState job, string key, string outcome)
    {
        if (!job.Done.Add(key)) return;
        if (outcome == "failed") job.Failed++;
        if (outcome == "diverged") job.Diverged++;
    }

    private void Complete(JobState job)
    {
        var results = _store.Results(job.Id);
        Directory.CreateDirectory(job.Stored.OutputDirectory);
        Experiments.Files.AtomicFile.WriteText(Path.Combine(job.Stored.OutputDirectory, "results.jsonl"), ResultJson.File(results.Select(r => (r.Key, r.Result))));
        Experiments.Files.AtomicFile.WriteText(Path.Combine(job.Stored.OutputDirectory, "telemetry.jsonl"), ResultJson.File(results.Select(r => (r.Key, r.Telemetry))));
        job.State = "reporting";   // done once the final report is on disk
        job.FinalReportWanted = true;
        StartReport(job);
    }

    /// <summary>Rewrites the job's reports off the mailbox; one at a time per job, the final one last.</summary>
    private void StartReport(JobState job)
    {
        if (job.ReportInFlight) return;
        job.ReportInFlight = true;
        job.LastReport = DateTime.UtcNow;
        job.ReportedDone = job.Done.Count;
        var final = job.FinalReportWanted;
        var lines = _store.Results(job.Id).Select(r => (r.Result, r.Telemetry)).ToList();
        var progress = new JobProgress(job.Plan.Count, job.Done.Count, job.Running.Count, final ? "done" : job.State);
        var dir = job.Stored.OutputDirectory;
        var name = job.Spec.Name;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Task.Run(() => ReportWriter.Write(dir, name, progress, lines))
            .PipeTo(Self, success: _ => new ReportWritten(job.Id, final, null, clock.Elapsed),
                failure: e => new ReportWritten(job.Id, final, e.GetBaseException().Message, clock.Elapsed));
    }

    private void Reported(ReportWritten m)
    {
        if (!_jobs.TryGetValue(m.JobId, out var job)) return;
        job.ReportInFlight = false;
        job.LastReportCost = m.Cost;
        if (m.Error is not null) _log.Error("job {0}: report failed: {1}", m.JobId, m.Error);
        if (m.Final)
        {
            _store.SetState(job.Id, "done");
            job.State = "done";
            _log.Info("job {0} done: {1} trials in {2:F1} s", job.Id, job.Plan.Count, job.Clock.Elapsed.TotalSeconds);
        }
        else if (job.FinalReportWanted)
        {
            StartReport(job);
        }
    }


    private void Cancel(CancelJob m)
    {
        if (!_jobs.TryGetValue(m.JobId, out var job) || !job.IsActive)
        {
            Sender.Tell(new JobCancelled(m.JobId, job is not null));
            return;
        }
        job.State = "cancelled";
        job.Pending.Clear();
        _store.SetState(job.Id, "cancelled");
        foreach (var (worker, info) in _workers)
        {
            if (info.Assigned.Keys.Any(a => a.Job == m.JobId)) worker.Tell(new CancelTrials(m.JobId));
            foreach (var a in info.Assigned.Keys.Where(a => a.Job == m.JobId).ToList()) info.Assigned.Remove(a);
        }
        job.Running.Clear();
        Sender.Tell(new JobCancelled(m.JobId, true));
        Dispatch();
    }

    /// <summary>
    /// A worker leaving gracefully: its trials go back to the front of the queue now, and it gets no
    /// more. The worker is found by its node name: the message comes through an ask, whose sender
    /// is a temporary actor, not the worker.
    /// </summary>
    private void HandedBack(HandBack m)
    {
        var count = 0;
        var (workerRef, worker) = _workers.FirstOrDefault(w => w.Value.Node == m.Node);
        if (workerRef is not null)
        {
            _workers.Remove(workerRef);
            Context.Unwatch(workerRef);
            _leaving.Add(workerRef);
            foreach (var assignment in worker.Assigned.Keys.ToList())
            {
                Requeue(worker, assignment);
                count++;
            }
        }
        // Whatever it still lists (even if we had it elsewhere) goes back too, unless already done.
        foreach (var t in m.Trials)
            if (_jobs.TryGetValue(t.JobId, out var job) && job.IsActive && !job.Done.Contains(t.Key) && !job.Pending.Contains(t.Key)
                && (!job.Running.TryGetValue(t.Key, out var holder) || holder == workerRef))
            {
                job.Running.Remove(t.Key);
                job.Pending.AddFirst(t.Key);
                count++;
            }
        _log.Info("worker {0} leaves; {1} trials go back to the queue", m.Node, count);
        Sender.Tell(new HandBackDone(count));
        Dispatch();
    }

    private void Lost(IActorRef workerRef)
    {
        _leaving.Remove(workerRef);
        if (!_workers.Remove(workerRef, out var worker)) return;
        _log.Warning("worker {0} is gone; {1} trials go back to the queue", worker.Node, worker.Assigned.Count);
        foreach (var assignment in worker.Assigned.Keys.ToList()) Requeue(worker, assignment);
        Dispatch();
    }

    private void Requeue(Worker worker, (string Job, string Key) assignment)
    {
        worker.Assigned.Remove(assignment);
        if (!_jobs.TryGetValue(assignment.Job, out var job) || !job.IsActive || job.Done.Contains(assignment.Key)) return;
        job.Running.Remove(assignment.Key);
        if (!job.Pending.Contains(assignment.Key)) job.Pending.AddFirst(assignment.Key);
    }

    /// <summary>Fills free slots, the most free first, taking trials from the active jobs in turn.</summary>
    private void Dispatch()
    {
        var active = _jobs.Values.Where(j => j.IsActive && j.Pending.Count > 0).OrderBy(j => j.Stored.Id, StringComparer.Ordinal).ToList();
        while (active.Count > 0)
        {
            var (workerRef, worker) = _workers.Where(w => w.Value.Free > 0).OrderByDescending(w => w.Value.Free).ThenBy(w => w.Value.Node, StringComparer.Ordinal).FirstOrDefault();
            if (workerRef is null) return;
            var job = active[_roundRobin++ % active.Count];
            var key = job.Pending.First!.Value;
            job.Pending.RemoveFirst();
            job.Running[key] = workerRef;
            worker.Assigned[(job.Id, key)] = DateTime.UtcNow;
            workerRef.Tell(new AssignTrial(job.Id, worker.KnowsSpecOf.Add(job.Id) ? job.Stored.SpecText : null, key));
            if (job.Pending.Count == 0) active.Remove(job);
        }
    }

    private StatusReport Status(string? jobId)
    {
        if (jobId is not null && !_jobs.ContainsKey(jobId))
        {
            var stored = _store.Jobs().FirstOrDefault(j => j.Id == jobId);
            if (stored is null) return new StatusReport([], [], $"unknown job '{jobId}'");
            var results = _store.Results(jobId);
            return new StatusReport([new JobStatus(stored.Id, stored.Name, stored.State, stored.Trials, results.Count, 0,
                results.Count(r => r.Outcome == "failed"), results.Count(r => r.Outcome == "diverged"), double.NaN, stored.OutputDirectory, double.NaN)], Nodes(), null);
        }
        var jobs = _jobs.Values.Where(j => jobId is null || j.Id == jobId)
            .Select(j => new JobStatus(j.Id, j.Spec.Name, j.State, j.Plan.Count, j.Done.Count, j.Running.Count, j.Failed, j.Diverged,
                j.BestValidationAccuracy, j.Stored.OutputDirectory, j.Clock.Elapsed.TotalSeconds))
            .ToList();
        return new StatusReport(jobs, Nodes(), null);
    }

    private List<NodeStatus> Nodes() =>
        [.. _workers.Values.OrderBy(w => w.Node, StringComparer.Ordinal).Select(w => new NodeStatus(w.Node, w.Slots, w.Assigned.Count))];

    private ResultsPage Results(GetResults m)
    {
        var job = _store.Jobs().FirstOrDefault(j => j.Id == m.JobId);
        if (job is null) return new ResultsPage(m.JobId, m.Offset, 0, [], [], $"unknown job '{m.JobId}'");
        var all = _store.Results(m.JobId).OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        // Pages of at most ~1 MB keep every message well under the transport's frame size.
        var lines = new List<string>();
        var telemetry = new List<string>();
        var bytes = 0;
        for (var i = m.Offset; i < all.Count && (lines.Count == 0 || bytes < 1_000_000); i++)
        {
            lines.Add(all[i].Result);
            telemetry.Add(all[i].Telemetry);
            bytes += all[i].Result.Length + all[i].Telemetry.Length;
        }
        return new ResultsPage(m.JobId, m.Offset, all.Count, lines, telemetry, null);
    }
}
