using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Cluster.Actors;

/// <summary>
/// One job in the coordinator: its plan, what is done (stored), waiting and out on workers. Plain
/// state, changed only by the coordinator actor.
/// </summary>
public sealed class JobState(StoredJob stored, SweepSpec spec, IReadOnlyList<TrialSpec> plan)
{
    public StoredJob Stored { get; } = stored;
    public SweepSpec Spec { get; } = spec;
    public IReadOnlyList<TrialSpec> Plan { get; } = plan;
    public HashSet<string> Done { get; } = new(StringComparer.Ordinal);
    public LinkedList<string> Pending { get; } = new();
    public Dictionary<string, Akka.Actor.IActorRef> Running { get; } = new(StringComparer.Ordinal);
    public int Failed { get; set; }
    public int Diverged { get; set; }
    public double BestValidationAccuracy { get; set; } = double.NaN;
    public System.Diagnostics.Stopwatch Clock { get; } = System.Diagnostics.Stopwatch.StartNew();
    public string State { get; set; } = stored.State;

    public bool ReportInFlight { get; set; }
    public bool FinalReportWanted { get; set; }
    public DateTime LastReport { get; set; } = DateTime.UtcNow;
    public int ReportedDone { get; set; }

    /// <summary>How long the last report took to write (figures included).</summary>
    public TimeSpan LastReportCost { get; set; }

    /// <summary>How often the reports of a running job are rewritten, at most.</summary>
    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(5);

    /// <summary>Half-way reports take at most this share of one core: the coordinator often shares
    /// its machine with workers, and a report of a big job takes a second or more to draw.</summary>
    public const double ReportShare = 0.1;

    /// <summary>A running job with new results since its last report, and no rewrite for a while:
    /// at least <see cref="ReportEvery"/>, longer when reports are costly.</summary>
    public bool ReportDue => IsActive && !ReportInFlight && Done.Count > ReportedDone
        && DateTime.UtcNow - LastReport > TimeSpan.FromTicks(Math.Max(ReportEvery.Ticks, (long)(LastReportCost.Ticks / ReportShare)));

    public string Id => Stored.Id;
    public bool IsActive => State == "running";

    /// <summary>Running or writing its final report: not yet done, not cancelled.</summary>
    public bool IsOpen => State is "running" or "reporting";
    public bool IsComplete => Done.Count == Plan.Count;

    public void NoteValidation(double accuracy)
    {
        if (double.IsFinite(accuracy) && !(accuracy <= BestValidationAccuracy)) BestValidationAccuracy = accuracy;
    }
}
