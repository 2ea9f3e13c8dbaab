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
    public static EpochResult From(Learning.Training.EpochMetrics m) =>
        new(m.Epoch, m.Step, m.LearningRate, m.TrainLoss, m.TrainAccuracy, m.ValidationLoss, m.ValidationAccuracy, m.GradientNorm);
}
