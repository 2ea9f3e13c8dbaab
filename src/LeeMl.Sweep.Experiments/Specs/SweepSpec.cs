using System.Collections.Immutable;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Experiments.Specs;

/// <summary>
/// Where a sweep's data come from: <c>blobs</c> or <c>moons</c> (built in), a named dataset
/// (<c>pokemon</c>, <c>adult</c>, <c>breast-cancer</c>, <c>digits</c>) or <c>csv</c>, with its settings
/// as canonical text.
/// </summary>
public sealed record DataSpec(string Source, ImmutableSortedDictionary<string, string> Settings)
{
    public string Get(string key, string fallback) => Settings.GetValueOrDefault(key, fallback);

    public override string ToString() =>
        Settings.Count == 0 ? Source : $"{Source}({string.Join(", ", Settings.Select(s => $"{s.Key}={s.Value}"))})";
}

/// <summary>The grid: the product of its axes. A null entry means "none" (no schedule, no warm-up, no noise).</summary>
public sealed record Grid(
    ImmutableArray<ComponentSpec> Optimizers,
    ImmutableArray<ComponentSpec?> Schedules,
    ImmutableArray<ComponentSpec?> Warmups,
    ImmutableArray<ComponentSpec?> Noises);

/// <summary>
/// A whole sweep as validated data. <see cref="SpecText"/> is the file as given, which travels
/// with the job; <see cref="MaxAttempts"/> bounds the attempts of a trial that meets node faults;
/// <see cref="Kind"/> names the kind of trial (<see cref="Trials.TrialKinds"/>).
/// </summary>
public sealed record SweepSpec(
    string Name, DataSpec Data, double Validation, ImmutableArray<ComponentSpec> Models, int Epochs, int BatchSize,
    ImmutableArray<int> Seeds, int Seed, Grid Grid, int MaxTrials, int MaxAttempts, string SpecText,
    Search.SearchSpec Search, Search.EarlyStoppingSpec? EarlyStopping)
{
    public string Kind { get; init; } = Trials.TrialKinds.Default;

    /// <summary>The user's program each trial runs (kind <c>program</c>); null for the built-in classifiers.</summary>
    public Programs.ProgramSpec? Program { get; init; }

    /// <summary>The test function each trial evaluates (kind <c>function</c>); null otherwise.</summary>
    public Functions.FunctionSpec? Function { get; init; }

    /// <summary>The spec's top-level <c>objective</c>, when it gives one.</summary>
    public Programs.ProgramObjective? GivenObjective { get; init; }

    /// <summary>What a search optimises: a program's objective, the spec's, or validation accuracy, maximised.</summary>
    public Programs.ProgramObjective Objective => Program?.Objective ?? GivenObjective ?? DefaultObjective;

    public static readonly Programs.ProgramObjective DefaultObjective = new("validation_accuracy", true);

    /// <summary>
    /// What a search learns from a trial's result: a program's or function's objective as reported,
    /// or the built-in metric <see cref="Objective"/> names at the trial's last epoch (for a trial
    /// stopped early, its value at the rung). Null when not finite (failed or diverged).
    /// </summary>
    public double? ObjectiveOf(Results.TrialResult result)
    {
        var v = HasParameterCells ? result.Objective ?? double.NaN : Objective.Metric switch
        {
            "validation_loss" => result.ValidationLoss,
            "train_accuracy" => result.TrainAccuracy,
            "train_loss" => result.TrainLoss,
            _ => result.ValidationAccuracy,
        };
        return double.IsFinite(v) ? v : null;
    }

    /// <summary>
    /// Earlier jobs (by id) or their results.jsonl files (a path, with the job's spec.yaml beside it)
    /// whose trials this job takes over instead of running them again, trial by trial key.
    /// </summary>
    public ImmutableArray<string> WarmStart { get; init; } = [];

    /// <summary>The trials are cells of named parameters (a program's or a function's), not classifiers × optimizer axes.</summary>
    public bool HasParameterCells => Program is not null || Function is not null;
}
