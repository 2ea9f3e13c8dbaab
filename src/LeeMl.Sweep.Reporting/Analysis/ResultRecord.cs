using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Reporting.Analysis;

/// <summary>
/// One trial as the report reads it: its <see cref="TrialResult"/> (one line of results.jsonl)
/// and, where there is one, its telemetry; axis values read "-" for none.
/// </summary>
public sealed record ResultRecord(TrialResult Result, TrialTelemetry? Telemetry)
{
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
    public IReadOnlyList<EpochResult> Epochs => Result.Epochs;
    public double Seconds => Telemetry?.Seconds ?? double.NaN;
    public string Node => Telemetry?.Node ?? "-";

    /// <summary>The grid cell: everything but the seed.</summary>
    public string Cell => Result.Cell;

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

    /// <summary>Reads results.jsonl and, when present beside it, telemetry.jsonl.</summary>
    public static IReadOnlyList<ResultRecord> ReadDirectory(string directory)
    {
        var results = Path.Combine(directory, "results.jsonl");
        if (!File.Exists(results)) return [];
        var telemetry = new Dictionary<string, TrialTelemetry>(StringComparer.Ordinal);
        var telemetryPath = Path.Combine(directory, "telemetry.jsonl");
        if (File.Exists(telemetryPath))
            foreach (var line in File.ReadLines(telemetryPath).Where(l => l.Length > 0))
            {
                var t = ResultJson.ParseTelemetry(line);
                telemetry[t.Key] = t;
            }
        return [.. File.ReadLines(results).Where(l => l.Length > 0).Select(l =>
        {
            var r = ResultJson.Parse(l);
            return new ResultRecord(r, telemetry.GetValueOrDefault(r.Key));
        })];
    }
}
