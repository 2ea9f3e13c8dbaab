using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Learning.Training;

namespace LeeMl.Sweep.Experiments.Running;

/// <summary>How a trial ended: trained to the last epoch, diverged (NaN or infinite loss), or failed (an error).</summary>
public enum TrialOutcome { Completed, Diverged, Failed }

/// <summary>
/// Everything a trial produced. Accuracies are NaN where there is no such set (no validation,
/// no test). <see cref="Seconds"/> is telemetry: it never enters results.jsonl.
/// </summary>
public sealed record TrialResult(
    TrialSpec Trial, TrialOutcome Outcome, int? DivergedEpoch, string? Error, IReadOnlyList<EpochMetrics> Curve,
    double TrainAccuracy, double ValidationAccuracy, double TestAccuracy, double TrainLoss, double ValidationLoss,
    int? BestEpoch, double Seconds);
