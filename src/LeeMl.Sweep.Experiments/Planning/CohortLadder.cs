using LeeMl.Sweep.Experiments.Search;

namespace LeeMl.Sweep.Experiments.Planning;

/// <summary>
/// Early stopping's decisions for a whole plan: one <see cref="RungLadder"/> per seed, each taking
/// its seed's trials in the order they are handed out (sample by sample). A trial is compared only
/// with trials of its own seed that come before it, so adding seeds or samples to a job leaves every
/// decision taken so far as it was: an extended job decides as the larger job would have.
/// </summary>
public sealed class CohortLadder
{
    private readonly TrialPlan _plan;
    private readonly RungLadder[] _ladders;

    public CohortLadder(EarlyStoppingSpec spec, TrialPlan plan)
    {
        _plan = plan;
        _ladders = new RungLadder[plan.Spec.Seeds.Length];
        for (var c = 0; c < _ladders.Length; c++)
        {
            var cohort = c;
            _ladders[c] = RungLadder.For(spec, plan.Spec.Epochs, plan.CohortSize, place => plan.IsTrained(plan.IndexOf(cohort, place)));
        }
    }

    /// <summary>Trial <paramref name="index"/> reached rung <paramref name="rung"/> with <paramref name="score"/>: the decisions this makes possible.</summary>
    public IReadOnlyList<RungLadder.Decision> Reached(long index, int rung, double score)
    {
        var (cohort, place) = _plan.CohortOf(index);
        return Global(cohort, _ladders[cohort].Reached(place, rung, score));
    }

    /// <summary>Trial <paramref name="index"/> ended having reached the rungs whose scores <paramref name="rungScores"/> lists.</summary>
    public IReadOnlyList<RungLadder.Decision> Ended(long index, IReadOnlyList<double> rungScores)
    {
        var (cohort, place) = _plan.CohortOf(index);
        return Global(cohort, _ladders[cohort].Ended(place, rungScores));
    }

    /// <summary>The decision for trial <paramref name="index"/> at rung <paramref name="rung"/>, or null while it is not taken.</summary>
    public bool? DecisionFor(long index, int rung)
    {
        var (cohort, place) = _plan.CohortOf(index);
        return _ladders[cohort].DecisionFor(place, rung);
    }

    private IReadOnlyList<RungLadder.Decision> Global(int cohort, IReadOnlyList<RungLadder.Decision> decisions) =>
        decisions.Count == 0 ? decisions : [.. decisions.Select(d => d with { Index = _plan.IndexOf(cohort, d.Index) })];
}
