using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Learning.Training;
using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Experiments.Running;

/// <summary>
/// Runs one trial from its spec: builds data, model, optimizer, schedule and noise, trains,
/// measures. What the trial itself decides (it diverged; it cannot run on this data) is its
/// result; what the machine decides (the data could not be fetched, memory ran out) escapes as an
/// exception, so the worker can report a node fault and the trial runs elsewhere.
/// </summary>
public static class TrialRunner
{
    public static TrialResult Run(SweepSpec sweep, TrialSpec trial, DataLoader data, Action<EpochMetrics>? onEpoch = null, CancellationToken cancel = default)
    {
        // Loading the data is the node's business: a failure here is not the trial's outcome.
        var split = data.ForTrial(sweep.Data, sweep.Validation, trial.SplitSeed);
        try
        {
            var train = split.Train;
            var kind = ModelCatalog.Create(trial.Model, train.Features, train.Classes, trial.TrainingSeed);
            switch (kind)
            {
                case ModelKind.ClosedForm closed:
                {
                    var classifier = closed.Model.Fit(train);
                    return Result(trial, TrialOutcome.Completed, null, [],
                        Classifiers.Accuracy(classifier, train),
                        split.Validation is null ? double.NaN : Classifiers.Accuracy(classifier, split.Validation),
                        split.Test is null ? double.NaN : Classifiers.Accuracy(classifier, split.Test),
                        double.NaN, double.NaN, null);
                }
                case ModelKind.Differentiable net:
                {
                    var options = new TrainOptions(sweep.Epochs, sweep.BatchSize, Shuffle: true, Seed: trial.TrainingSeed);
                    var noise = trial.Noise is { } n
                        ? new GradientNoise(((ParamValue.Number)n.Params["eta"]).Value, ((ParamValue.Number)n.Params["gamma"]).Value, trial.TrainingSeed ^ 0x9E3779B97F4A7C15UL)
                        : null;
                    var updater = Updater.Create(trial.Optimizer!, net.Model.ParameterCount, SpecParser.TrialSchedule(trial.Schedule, trial.Warmup),
                        options.TotalSteps(train.Rows), noise);
                    var fit = Trainer.Fit(net.Model, updater, train, split.Validation, options, onEpoch, cancel);
                    var curve = fit.Curve.Select(EpochResult.From).ToArray();
                    var last = curve.Length > 0 ? curve[^1] : null;
                    int? best = curve.Length == 0 || split.Validation is null
                        ? null
                        : curve.Aggregate((a, b) => b.ValidationAccuracy > a.ValidationAccuracy ? b : a).Epoch;
                    var test = split.Test is null || fit.Outcome == Outcome.Diverged ? double.NaN : Classifiers.Evaluate(net.Model, fit.Parameters, split.Test).Accuracy;
                    var result = Result(trial, fit.Outcome == Outcome.Diverged ? TrialOutcome.Diverged : TrialOutcome.Completed, null, curve,
                        last?.TrainAccuracy ?? double.NaN, last?.ValidationAccuracy ?? double.NaN, test,
                        last?.TrainLoss ?? double.NaN, last?.ValidationLoss ?? double.NaN, best);
                    return result with { DivergedEpoch = fit.DivergedEpoch };
                }
                default:
                    throw new InvalidOperationException("unknown model kind");
            }
        }
        catch (Exception e) when (e is Learning.Data.DataException or HyperparameterException)
        {
            // The trial cannot run on this data (too few rows for a batch, a warm-up longer than the run, ...): the same everywhere.
            return TrialResult.FailedWith(trial, e.Message);
        }
    }

    private static TrialResult Result(TrialSpec t, TrialOutcome outcome, string? error, IReadOnlyList<EpochResult> curve,
        double train, double validation, double test, double trainLoss, double validationLoss, int? best) =>
        new(t.Key, t.Model.ToString(), t.Optimizer?.ToString(), t.Schedule?.ToString(), t.Warmup?.ToString(), t.Noise?.ToString(), t.Seed,
            outcome, null, error, train, validation, test, trainLoss, validationLoss, best, null, curve);
}
