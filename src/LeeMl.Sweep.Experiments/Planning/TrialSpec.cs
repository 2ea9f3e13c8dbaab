using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Experiments.Planning;

/// <summary>
/// One cell of the grid for one seed, at its place in the plan. <see cref="Key"/> names it
/// canonically (<c>mlp|adam(lr=0.003)|one-cycle|warmup(steps=100)|-|seed=1</c>): results are
/// sorted by it, deduplicated by it, and the training seed is derived from it.
/// </summary>
public sealed record TrialSpec(
    long Index, string Key, ComponentSpec Model, ComponentSpec? Optimizer, ComponentSpec? Schedule, ComponentSpec? Warmup,
    ComponentSpec? Noise, int Seed, ulong TrainingSeed, ulong SplitSeed)
{
    public bool IsClosedForm => Optimizer is null;

    /// <summary>Which draw of its cell the trial is (0 for a grid).</summary>
    public long Sample { get; init; }

    /// <summary>Its values were proposed by a search that learns (TPE): its result records <see cref="Sample"/>, the order the search proposed in.</summary>
    public bool IsProposed { get; init; }
}
