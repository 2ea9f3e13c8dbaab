namespace LeeMl.Sweep.Learning.Training;

/// <summary>What one epoch measured. Validation values are NaN when there is no validation set.</summary>
public sealed record EpochMetrics(
    int Epoch, long Step, double LearningRate, double TrainLoss, double TrainAccuracy,
    double ValidationLoss, double ValidationAccuracy, double GradientNorm, double Seconds);

public enum Outcome { Completed, Diverged }

/// <summary>The end of a training: how it ended, the curve, and the final parameters.</summary>
public sealed record FitResult(Outcome Outcome, int? DivergedEpoch, IReadOnlyList<EpochMetrics> Curve, double[] Parameters);
