using System.Diagnostics.Metrics;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Cluster.Metrics;

/// <summary>
/// The node's instruments (System.Diagnostics.Metrics, meter <see cref="MeterName"/>), exported
/// at /metrics in Prometheus's format by the HTTP host. Labels take a few fixed values (an outcome,
/// a job state), never a job id or a trial key. The actor shells record; their pure cores do not
/// know about metrics.
/// </summary>
public static class SweepMetrics
{
    public const string MeterName = "LeeMl.Sweep";

    private static readonly Meter Meter = new(MeterName);

    // Workers
    private static readonly Counter<long> TrialsStarted = Meter.CreateCounter<long>("leeml.trials.started", "{trial}", "trials this worker started");
    private static readonly Counter<long> TrialsEnded = Meter.CreateCounter<long>("leeml.trials.ended", "{trial}", "trials this worker finished, by outcome (completed, diverged, failed, stopped)");
    private static readonly Counter<long> TrialFaults = Meter.CreateCounter<long>("leeml.trials.faulted", "{trial}", "attempts that hit a node fault on this worker and go back to be retried");

    // Coordinators
    private static readonly Counter<long> ResultsCommitted = Meter.CreateCounter<long>("leeml.results.committed", "{result}", "results committed to the store by the jobs this node runs, by outcome");
    private static readonly Counter<long> Retries = Meter.CreateCounter<long>("leeml.trials.retried", "{trial}", "attempts handed out again after a node fault");
    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram("leeml.commit.duration", "s", "how long one group commit of results took",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    private static readonly Counter<long> StoreErrors = Meter.CreateCounter<long>("leeml.store.errors", "{error}", "store operations of jobs that failed (and are tried again)");
    private static readonly Counter<long> Quarantines = Meter.CreateCounter<long>("leeml.nodes.quarantined", "{quarantine}", "times a job of this coordinator stopped sending trials to a worker after faults in a row");
    private static readonly Counter<long> JobsRecovered = Meter.CreateCounter<long>("leeml.jobs.recovered", "{job}", "jobs this coordinator took over after their previous owner stopped (a failover, or a restart)");
    private static readonly Histogram<double> DispatchDuration = Meter.CreateHistogram("leeml.dispatch.duration", "s", "from a worker asking for work to its trials arriving (as the worker sees it)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
    private static readonly UpDownCounter<long> EventStreams = Meter.CreateUpDownCounter<long>("leeml.event_streams.clients", "{client}", "dashboard event streams open now");

    private static Func<(int Slots, int Busy, int Queued, int Paused)>? _slots;
    private static Func<IReadOnlyDictionary<JobState, int>>? _jobs;
    private static Func<(int Uploads, long Bytes)>? _uploads;
    private static Func<(double IdleWaitingSeconds, int Gpus, int GpusBusy)>? _waits;

    static SweepMetrics()
    {
        Meter.CreateObservableGauge("leeml.worker.slots", () => _slots is { } s ? [new Measurement<int>(s().Slots)] : Array.Empty<Measurement<int>>(), "{slot}", "trial slots of this worker");
        Meter.CreateObservableGauge("leeml.worker.slots.busy", () => _slots is { } s ? [new Measurement<int>(s().Busy)] : Array.Empty<Measurement<int>>(), "{slot}", "trial slots of this worker running a trial now");
        Meter.CreateObservableGauge("leeml.worker.slots.waiting", () => _slots is { } s ? [new Measurement<int>(s().Paused)] : Array.Empty<Measurement<int>>(), "{slot}", "slots holding a trial paused at a rung, waiting for the job's decision");
        Meter.CreateObservableGauge("leeml.worker.trials.queued", () => _slots is { } s ? [new Measurement<int>(s().Queued)] : Array.Empty<Measurement<int>>(), "{trial}", "trials assigned to this worker and waiting for a slot");
        Meter.CreateObservableCounter("leeml.worker.slots.idle_waiting", () => _waits is { } w ? [new Measurement<double>(w().IdleWaitingSeconds)] : Array.Empty<Measurement<double>>(), "s",
            "slot time left idle while trials waited at rungs for the job's decision and nothing else was there to run");
        Meter.CreateObservableGauge("leeml.worker.gpus", () => _waits is { } w ? [new Measurement<int>(w().Gpus)] : Array.Empty<Measurement<int>>(), "{gpu}", "GPUs this worker gives to program trials");
        Meter.CreateObservableGauge("leeml.worker.gpus.busy", () => _waits is { } w ? [new Measurement<int>(w().GpusBusy)] : Array.Empty<Measurement<int>>(), "{gpu}", "GPUs given to a trial now");
        Meter.CreateObservableGauge("leeml.jobs", ObserveJobs, "{job}", "jobs in the store, by state (as a coordinator last read them)");
        Meter.CreateObservableGauge("leeml.uploads.staged", () => _uploads is { } u ? [new Measurement<int>(u().Uploads)] : Array.Empty<Measurement<int>>(), "{upload}", "uploads waiting for their hash check");
    }

    private static IEnumerable<Measurement<int>> ObserveJobs()
    {
        if (_jobs?.Invoke() is not { } counts) yield break;
        foreach (var state in Enum.GetValues<JobState>())
            yield return new Measurement<int>(counts.GetValueOrDefault(state), new KeyValuePair<string, object?>("state", state.Name()));
    }

    /// <summary>Where the slot gauges read from: the worker of this process.</summary>
    public static void ObserveSlots(Func<(int Slots, int Busy, int Queued, int Paused)> read) => _slots = read;

    /// <summary>Where the staged-uploads gauge reads from: a coordinator's upload gate.</summary>
    public static void ObserveUploads(Func<(int Uploads, long Bytes)> read) => _uploads = read;

    /// <summary>Where the jobs gauge reads from: a coordinator's last count of its store's jobs.</summary>
    public static void ObserveJobs(Func<IReadOnlyDictionary<JobState, int>> read) => _jobs = read;

    /// <summary>Where the waiting and GPU figures read from: the worker of this process.</summary>
    public static void ObserveWaits(Func<(double IdleWaitingSeconds, int Gpus, int GpusBusy)> read) => _waits = read;

    public static void Dispatched(TimeSpan took) => DispatchDuration.Record(took.TotalSeconds);

    private static readonly Counter<double> ProposalWait = Meter.CreateCounter<double>("leeml.proposals.wait", "s",
        "slot time idle slots waited for a proposal of the TPE jobs this coordinator runs (the results it learns from)");

    public static void WaitedForProposals(double slotSeconds) => ProposalWait.Add(slotSeconds);

    public static void Started() => TrialsStarted.Add(1);

    public static void Ended(TrialOutcome outcome) => TrialsEnded.Add(1, new KeyValuePair<string, object?>("outcome", outcome.Name()));

    public static void Faulted() => TrialFaults.Add(1);

    public static void Committed(IEnumerable<TrialOutcome> outcomes, TimeSpan took)
    {
        CommitDuration.Record(took.TotalSeconds);
        foreach (var g in outcomes.GroupBy(o => o)) ResultsCommitted.Add(g.Count(), new KeyValuePair<string, object?>("outcome", g.Key.Name()));
    }

    public static void Retried(int attempts) => Retries.Add(attempts);

    public static void StoreError() => StoreErrors.Add(1);

    public static void Quarantined() => Quarantines.Add(1);

    public static void Recovered() => JobsRecovered.Add(1);

    public static void StreamOpened() => EventStreams.Add(1);

    public static void StreamClosed() => EventStreams.Add(-1);
}
