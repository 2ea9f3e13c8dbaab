using System.Text.Json;

namespace LeeMl.Sweep.Reporting.Analysis;

public sealed record EpochRecord(int Epoch, long Step, double LearningRate, double TrainLoss, double TrainAccuracy,
    double ValidationLoss, double ValidationAccuracy, double GradientNorm);

/// <summary>One line of results.jsonl (and its telemetry, where there is one), as the report reads it.</summary>
public sealed record ResultRecord(
    string Key, string Model, string Optimizer, string Schedule, string Warmup, string Noise, int Seed, string Outcome,
    double TrainAccuracy, double ValidationAccuracy, double TestAccuracy, double TrainLoss, double ValidationLoss,
    int? BestEpoch, int? DivergedEpoch, IReadOnlyList<EpochRecord> Epochs, double Seconds, string Node)
{
    /// <summary>The grid cell: everything but the seed.</summary>
    public string Cell => Key[..Key.LastIndexOf("|seed=", StringComparison.Ordinal)];

    public bool IsClosedForm => Optimizer == "-";

    public bool Succeeded => Outcome == "completed";

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

    private static double Num(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "-";

    public static ResultRecord Parse(string line, IReadOnlyDictionary<string, (double Seconds, string Node)> telemetry)
    {
        using var doc = JsonDocument.Parse(line);
        var r = doc.RootElement;
        var key = r.GetProperty("key").GetString()!;
        var epochs = r.GetProperty("epochs").EnumerateArray().Select(e => new EpochRecord(
            e.GetProperty("epoch").GetInt32(), e.GetProperty("step").GetInt64(), Num(e, "lr"), Num(e, "train_loss"), Num(e, "train_accuracy"),
            Num(e, "validation_loss"), Num(e, "validation_accuracy"), Num(e, "gradient_norm"))).ToArray();
        var (seconds, node) = telemetry.TryGetValue(key, out var t) ? t : (double.NaN, "-");
        return new ResultRecord(key, Text(r, "model"), Text(r, "optimizer"), Text(r, "schedule"), Text(r, "warmup"), Text(r, "noise"),
            r.GetProperty("seed").GetInt32(), r.GetProperty("outcome").GetString()!, Num(r, "train_accuracy"), Num(r, "validation_accuracy"),
            Num(r, "test_accuracy"), Num(r, "train_loss"), Num(r, "validation_loss"), Int(r, "best_epoch"), Int(r, "diverged_epoch"),
            epochs, seconds, node);
    }

    /// <summary>Reads results.jsonl and, when present beside it, telemetry.jsonl.</summary>
    public static IReadOnlyList<ResultRecord> ReadDirectory(string directory)
    {
        var results = Path.Combine(directory, "results.jsonl");
        if (!File.Exists(results)) return [];
        var telemetry = new Dictionary<string, (double, string)>(StringComparer.Ordinal);
        var telemetryPath = Path.Combine(directory, "telemetry.jsonl");
        if (File.Exists(telemetryPath))
            foreach (var line in File.ReadLines(telemetryPath).Where(l => l.Length > 0))
            {
                using var doc = JsonDocument.Parse(line);
                var e = doc.RootElement;
                telemetry[e.GetProperty("key").GetString()!] = (e.GetProperty("seconds").GetDouble(), e.GetProperty("node").GetString()!);
            }
        return [.. File.ReadLines(results).Where(l => l.Length > 0).Select(l => Parse(l, telemetry))];
    }
}
