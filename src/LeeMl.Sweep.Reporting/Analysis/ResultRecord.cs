using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Reporting.Analysis;

/// <summary>
/// One trial as the report reads it: the fields of its <see cref="TrialResult"/> (one line of
/// results.jsonl) that the tables and figures use, without its curve, and of its telemetry — a
/// couple of hundred bytes a trial however long it ran: texts shared between trials through an
/// intern table, the key kept only when it is not its cell and seed (as every key this program
/// makes is). Curves are streamed from the file when a figure or curves.csv needs them. Axis values
/// read "-" for none.
/// </summary>
public sealed record ResultRecord
{
    private readonly string? _key;           // null: the key is Cell|seed=Seed
    private readonly string? _optimizer, _schedule, _warmup, _noise;

    /// <summary>The record of <paramref name="result"/>: its curve dropped (its length and last step kept), its repeated texts shared through <paramref name="intern"/>.</summary>
    public ResultRecord(TrialResult result, TrialTelemetry? telemetry, Func<string, string>? intern = null)
    {
        intern ??= static s => s;
        string? Shared(string? s) => s is null ? null : intern(s);
        Cell = intern(result.Cell);
        Seed = result.Seed;
        _key = result.Key == DerivedKey(Cell, Seed) ? null : result.Key;
        Model = intern(result.Model);
        (_optimizer, _schedule, _warmup, _noise) = (Shared(result.Optimizer), Shared(result.Schedule), Shared(result.Warmup), Shared(result.Noise));
        Outcome = result.Outcome;
        (TrainAccuracy, ValidationAccuracy, TestAccuracy, TrainLoss, ValidationLoss) =
            (result.TrainAccuracy, result.ValidationAccuracy, result.TestAccuracy, result.TrainLoss, result.ValidationLoss);
        (BestEpoch, DivergedEpoch, Error) = (result.BestEpoch, result.DivergedEpoch, Shared(result.Error));
        EpochCount = result.Epochs.Count;
        LastStep = EpochCount > 0 ? result.Epochs[^1].Step : 0;
        Seconds = telemetry?.Seconds ?? double.NaN;
        Node = telemetry is null ? "-" : intern(telemetry.Node);
        Attempt = telemetry?.Attempt ?? 1;
        Faults = telemetry is { Faults.Count: > 0 } ? telemetry.Faults : [];
    }

    private static string DerivedKey(string cell, int seed) => string.Concat(cell, "|seed=", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>How many epochs the trial's curve has, and the optimizer step it ended on.</summary>
    public int EpochCount { get; }

    public long LastStep { get; }

    public string Key => _key ?? DerivedKey(Cell, Seed);
    public string Model { get; }
    public string Optimizer => _optimizer ?? "-";
    public string Schedule => _schedule ?? "-";
    public string Warmup => _warmup ?? "-";
    public string Noise => _noise ?? "-";

    /// <summary>The optimizer and the schedule as the result wrote them (null where the trial had none).</summary>
    public string? OptimizerSpec => _optimizer;
    public string? ScheduleSpec => _schedule;

    public int Seed { get; }
    public TrialOutcome Outcome { get; }
    public double TrainAccuracy { get; }
    public double ValidationAccuracy { get; }
    public double TestAccuracy { get; }
    public double TrainLoss { get; }
    public double ValidationLoss { get; }
    public int? BestEpoch { get; }
    public int? DivergedEpoch { get; }
    public string? Error { get; }

    /// <summary>From its telemetry, where there is one: how long it ran, where, on which attempt, after which node faults.</summary>
    public double Seconds { get; }
    public string Node { get; }
    public int Attempt { get; }
    public IReadOnlyList<NodeFault> Faults { get; }

    /// <summary>The grid cell: everything but the seed.</summary>
    public string Cell { get; }

    public bool IsClosedForm => _optimizer is null;

    public bool Succeeded => Outcome == TrialOutcome.Completed;

    public double Gap => TrainAccuracy - ValidationAccuracy;

    /// <summary>The value of a grid axis ("model", "optimizer", "schedule", "warmup", "noise").</summary>
    public string Axis(string axis) => axis switch
    {
        "model" => Model,
        "optimizer" => Optimizer,
        "schedule" => Schedule,
        "warmup" => Warmup,
        "noise" => Noise,
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "unknown axis"),
    };

    public static readonly IReadOnlyList<string> Axes = ["model", "optimizer", "schedule", "warmup", "noise"];
}
