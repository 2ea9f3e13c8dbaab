using System.Text.Json.Serialization;

namespace LeeMl.Sweep.Experiments.Results;

/// <summary>
/// Everything a trial produced, and nothing about where or how long it ran: the one result type
/// that flows from the worker to the store to the report. Its JSON (<see cref="ResultJson"/>,
/// fields in declaration order) is one line of results.jsonl, so the same trial gives the same
/// bytes on any node. Accuracies are NaN (null in JSON) where there is no such set.
/// </summary>
public sealed record TrialResult(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("optimizer")] string? Optimizer,
    [property: JsonPropertyName("schedule")] string? Schedule,
    [property: JsonPropertyName("warmup")] string? Warmup,
    [property: JsonPropertyName("noise")] string? Noise,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("outcome")] TrialOutcome Outcome,
    [property: JsonPropertyName("diverged_epoch")] int? DivergedEpoch,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("train_accuracy")] double TrainAccuracy,
    [property: JsonPropertyName("validation_accuracy")] double ValidationAccuracy,
    [property: JsonPropertyName("test_accuracy")] double TestAccuracy,
    [property: JsonPropertyName("train_loss")] double TrainLoss,
    [property: JsonPropertyName("validation_loss")] double ValidationLoss,
    [property: JsonPropertyName("best_epoch")] int? BestEpoch,
    [property: JsonPropertyName("stopped_rung")] int? StoppedRung,
    [property: JsonPropertyName("epochs"), JsonPropertyOrder(1)] IReadOnlyList<EpochResult> Epochs)
{
    /// <summary>
    /// SWATS: the optimizer step after which the trial trained with SGD. Absent from the line for
    /// every other optimizer and for a SWATS trial that never switched, so their lines are unchanged.
    /// </summary>
    [JsonPropertyName("switched_step"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SwitchedStep { get; init; }

    /// <summary>A program trial's parameters, by name, as canonical text (absent for the built-in trials).</summary>
    [JsonPropertyName("params"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public System.Collections.Immutable.ImmutableSortedDictionary<string, string>? Params { get; init; }

    /// <summary>A program trial's objective at its end (its last reported value; null when it is not finite).</summary>
    [JsonPropertyName("objective"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Objective { get; init; }

    /// <summary>Every metric a program trial reported, by name, at its last value (absent for the built-in trials).</summary>
    [JsonPropertyName("metrics"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public System.Collections.Immutable.ImmutableSortedDictionary<string, double>? Metrics { get; init; }

    /// <summary>A TPE trial's sample: the order its cell's values were proposed in (absent for every other search, whose lines are unchanged).</summary>
    [JsonPropertyName("sample"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Sample { get; init; }

    /// <summary>A result for a trial that produced nothing but an error.</summary>
    public static TrialResult FailedWith(Planning.TrialSpec trial, string error) => new(
        trial.Key, trial.Model.ToString(), trial.Optimizer?.ToString(), trial.Schedule?.ToString(), trial.Warmup?.ToString(), trial.Noise?.ToString(),
        trial.Seed, TrialOutcome.Failed, null, error, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, null, null, [])
    { Sample = trial.IsProposed ? trial.Sample : null };

    /// <summary>The grid cell: everything in the key but the seed.</summary>
    [JsonIgnore]
    public string Cell => string.Join('|', Key.Split('|').Where(part => !part.StartsWith("seed=", StringComparison.Ordinal)));
}
