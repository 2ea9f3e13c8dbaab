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

    public string Id => Stored.Id;
    public bool IsActive => State == "running";
    public bool IsComplete => Done.Count == Plan.Count;

    public void NoteValidation(double accuracy)
    {
        if (double.IsFinite(accuracy) && !(accuracy <= BestValidationAccuracy)) BestValidationAccuracy = accuracy;
    }
}
