using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Reporting.Analysis;

/// <summary>
/// One trial as the report reads it: its <see cref="TrialResult"/> (one line of results.jsonl)
/// without its curve — the report holds a constant amount per trial, however long the trials ran;
/// curves are streamed from the file when a figure or curves.csv needs them — and, where there is
/// one, its telemetry. Axis values read "-" for none.
/// </summary>
public sealed record ResultRecord
{
    /// <summary>The record of <paramref name="result"/>: its curve dropped (its length and last step kept), its repeated texts shared through <paramref name="intern"/>.</summary>
    public ResultRecord(TrialResult result, TrialTelemetry? telemetry, Func<string, string>? intern = null)
    {
        intern ??= static s => s;
        string? Shared(string? s) => s is null ? null : intern(s);
        EpochCount = result.Epochs.Count;
        LastStep = EpochCount > 0 ? result.Epochs[^1].Step : 0;
        Result = result with
        {
            Epochs = [], Model = intern(result.Model), Optimizer = Shared(result.Optimizer), Schedule = Shared(result.Schedule),
            Warmup = Shared(result.Warmup), Noise = Shared(result.Noise), Error = Shared(result.Error),
        };
        Telemetry = telemetry;
        Cell = intern(result.Cell);
    }

    public TrialResult Result { get; }

    public TrialTelemetry? Telemetry { get; }

    /// <summary>How many epochs the trial's curve has, and the optimizer step it ended on.</summary>
    public int EpochCount { get; }

    public long LastStep { get; }

    public string Key => Result.Key;
    public string Model => Result.Model;
    public string Optimizer => Result.Optimizer ?? "-";
    public string Schedule => Result.Schedule ?? "-";
    public string Warmup => Result.Warmup ?? "-";
    public string Noise => Result.Noise ?? "-";
    public int Seed => Result.Seed;
    public TrialOutcome Outcome => Result.Outcome;
    public double TrainAccuracy => Result.TrainAccuracy;
    public double ValidationAccuracy => Result.ValidationAccuracy;
    public double TestAccuracy => Result.TestAccuracy;
    public double TrainLoss => Result.TrainLoss;
    public double ValidationLoss => Result.ValidationLoss;
    public int? BestEpoch => Result.BestEpoch;
    public int? DivergedEpoch => Result.DivergedEpoch;
    public string? Error => Result.Error;
    public double Seconds => Telemetry?.Seconds ?? double.NaN;
    public string Node => Telemetry?.Node ?? "-";

    /// <summary>The grid cell: everything but the seed.</summary>
    public string Cell { get; }

    public bool IsClosedForm => Result.Optimizer is null;

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
