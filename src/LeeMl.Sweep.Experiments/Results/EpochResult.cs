using System.Text.Json.Serialization;

namespace LeeMl.Sweep.Experiments.Results;

/// <summary>What one epoch measured (no timings: those are telemetry). NaN where there is no such set.</summary>
public sealed record EpochResult(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("step")] long Step,
    [property: JsonPropertyName("lr")] double LearningRate,
    [property: JsonPropertyName("train_loss")] double TrainLoss,
    [property: JsonPropertyName("train_accuracy")] double TrainAccuracy,
    [property: JsonPropertyName("validation_loss")] double ValidationLoss,
    [property: JsonPropertyName("validation_accuracy")] double ValidationAccuracy,
    [property: JsonPropertyName("gradient_norm")] double GradientNorm)
{
    /// <summary>Every metric a program reported at this step, by name (absent for the built-in trials, whose lines stay as they were).</summary>
    [JsonPropertyName("metrics"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public System.Collections.Immutable.ImmutableSortedDictionary<string, double>? Metrics { get; init; }

    /// <summary>A metric by name: one a program reported, or a field of the step; NaN if there is none.</summary>
    public double Metric(string name) => Metrics is { } m && m.TryGetValue(name, out var v) ? v : name switch
    {
        "train_loss" => TrainLoss,
        "train_accuracy" => TrainAccuracy,
        "validation_loss" => ValidationLoss,
        "validation_accuracy" => ValidationAccuracy,
        "lr" => LearningRate,
        "gradient_norm" => GradientNorm,
        _ => double.NaN,
    };

    public static EpochResult From(Learning.Training.EpochMetrics m) =>
        new(m.Epoch, m.Step, m.LearningRate, m.TrainLoss, m.TrainAccuracy, m.ValidationLoss, m.ValidationAccuracy, m.GradientNorm);
}
