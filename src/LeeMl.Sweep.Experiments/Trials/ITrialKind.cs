using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Experiments.Trials;

/// <summary>
/// One kind of trial (the spec's <c>kind</c>): what a worker starts for a trial of a sweep. The
/// worker drives every kind the same way (<see cref="ITrial"/>), so a new kind is a new class
/// registered in <see cref="TrialKinds"/>, not a change to the worker or the job.
/// </summary>
public interface ITrialKind
{
    /// <summary>The name a spec gives in <c>kind</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Starts one trial. A trial that cannot run (its own outcome, the same on every node) is
    /// returned over at once with a failed result; what the node cannot do (fetch the data, find
    /// memory) escapes as an exception, so the worker reports a node fault and the trial runs elsewhere.
    /// <paramref name="host"/>: what this worker gives the trial (programs allowed, its GPUs).
    /// </summary>
    ITrial Start(SweepSpec sweep, TrialSpec trial, DataLoader data, Programs.TrialHost host);
}
