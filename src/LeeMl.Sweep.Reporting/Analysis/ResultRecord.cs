using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Reporting.Analysis;

/// <summary>
/// A grid cell's levels, one object shared by all of its trials: the cell's text, its model and
/// its optimizer, schedule, warm-up and noise as the results wrote them (null for none).
/// </summary>
public sealed class CellLevels(string cell, string model, string? optimizer, string? schedule, string? warmup, string? noise)
{
    /// <summary>The grid cell: everything but the seed.</summary>
    public string Cell { get; } = cell;
    public string Model { get; } = model;
    public string? OptimizerSpec { get; } = optimizer;
    public string? ScheduleSpec { get; } = schedule;
    public string? WarmupSpec { get; } = warmup;
    public string? NoiseSpec { get; } = noise;

    public bool IsClosedForm => OptimizerSpec is null;

    /// <summary>The value of a grid axis ("model", "optimizer", "schedule", "warmup", "noise"); "-" for none.</summary>
    public string Axis(string axis) => axis switch
    {
        "model" => Model,
        "optimizer" => OptimizerSpec ?? "-",
        "schedule" => ScheduleSpec ?? "-",
        "warmup" => WarmupSpec ?? "-",
        "noise" => NoiseSpec ?? "-",
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "unknown axis"),
    };
}

/// <summary>
/// One trial as the report keeps it after its pass over the results: what comparing trials across
/// cells needs (the factor effects pair trials of different cells, the Search section orders them)
/// and nothing else — its cell's shared levels, seed, outcome, epochs trained and two accuracies.
/// Everything a trial's own row needs (results.csv, failures, the cell table) is used while the
/// pass reads it and dropped. The key is kept only where it is not its cell and seed.
/// </summary>
public sealed class ResultRecord
{
    private readonly CellLevels _levels;
    private readonly string? _key;           // null: the key is Cell|seed=Seed

    public ResultRecord(CellLevels levels, string key, int seed, TrialOutcome outcome, int epochCount, double trainAccuracy, double validationAccuracy)
    {
        _levels = levels;
        Seed = seed;
        _key = key == DerivedKey(levels.Cell, seed) ? null : key;
        Outcome = outcome;
        EpochCount = epochCount;
        TrainAccuracy = trainAccuracy;
        ValidationAccuracy = validationAccuracy;
    }

    private static string DerivedKey(string cell, int seed) => string.Concat(cell, "|seed=", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public CellLevels Levels => _levels;
    public string Key => _key ?? DerivedKey(_levels.Cell, Seed);
    public string Cell => _levels.Cell;
    public string Model => _levels.Model;
    public string Optimizer => _levels.OptimizerSpec ?? "-";
    public string Schedule => _levels.ScheduleSpec ?? "-";
    public string Warmup => _levels.WarmupSpec ?? "-";
    public string Noise => _levels.NoiseSpec ?? "-";

    /// <summary>The optimizer and the schedule as the result wrote them (null where the trial had none).</summary>
    public string? OptimizerSpec => _levels.OptimizerSpec;
    public string? ScheduleSpec => _levels.ScheduleSpec;

    public int Seed { get; }
    public TrialOutcome Outcome { get; }

    /// <summary>How many epochs the trial's curve has.</summary>
    public int EpochCount { get; }

    public double TrainAccuracy { get; }
    public double ValidationAccuracy { get; }

    public bool IsClosedForm => _levels.IsClosedForm;

    public bool Succeeded => Outcome == TrialOutcome.Completed;

    public double Gap => TrainAccuracy - ValidationAccuracy;

    /// <summary>The value of a grid axis ("model", "optimizer", "schedule", "warmup", "noise"); "-" for none.</summary>
    public string Axis(string axis) => _levels.Axis(axis);

    public static readonly IReadOnlyList<string> Axes = ["model", "optimizer", "schedule", "warmup", "noise"];
}

/// <summary>The trial with the highest validation accuracy (the first in key order among equals), as the Search section names it.</summary>
public sealed record BestTrial(string Key, double ValidationAccuracy, double TestAccuracy);
