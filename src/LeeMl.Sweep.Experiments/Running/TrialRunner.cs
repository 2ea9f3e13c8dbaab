using System.Diagnostics;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Learning.Training;
using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Experiments.Running;

/// <summary>Runs one trial from its spec: builds data, model, optimizer, schedule and noise, trains, measures.</summary>
public static class TrialRunner
{
    public static TrialResult Run(SweepSpec sweep, TrialSpec trial, DataLoader data, Action<EpochMetrics>? onEpoch = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var split = data.ForTrial(sweep.Data, sweep.Validation, trial.SplitSeed);
            var train = split.Train;
            var kind = ModelCatalog.Create(trial.Model, train.Features, train.Classes, trial.TrainingSeed);
            switch (kind)
            {
                case ModelKind.ClosedForm closed:
                {
                    var classifier = closed.Model.Fit(train);
                    return new TrialResult(trial, TrialOutcome.Completed, null, null, [],
                        Classifiers.Accuracy(classifier, train),
                        split.Validation is null ? double.NaN : Classifiers.Accuracy(classifier, split.Validation),
                        split.Test is null ? double.NaN : Classifiers.Accuracy(classifier, split.Test),
                        double.NaN, double.NaN, null, clock.Elapsed.TotalSeconds);
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
                    var last = fit.Curve.Count > 0 ? fit.Curve[^1] : null;
                    int? best = fit.Curve.Count == 0 || split.Validation is null
                        ? null
                        : fit.Curve.Aggregate((a, b) => b.ValidationAccuracy > a.ValidationAccuracy ? b : a).Epoch;
                    var test = split.Test is null || fit.Outcome == Outcome.Diverged ? double.NaN : Classifiers.Evaluate(net.Model, fit.Parameters, split.Test).Accuracy;
                    return new TrialResult(trial, fit.Outcome == Outcome.Diverged ? TrialOutcome.Diverged : TrialOutcome.Completed, fit.DivergedEpoch, null, fit.Curve,
                        last?.TrainAccuracy ?? double.NaN, last?.ValidationAccuracy ?? double.NaN, test,
                        last?.TrainLoss ?? double.NaN, last?.ValidationLoss ?? double.NaN, best, clock.Elapsed.TotalSeconds);
                }
                default:
                    throw new InvalidOperationException("unknown model kind");
            }
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception e) when (e is Learning.Data.DataException or HyperparameterException or ArgumentException or IOException)
        {
            return new TrialResult(trial, TrialOutcome.Failed, null, e.Message, [], double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, null, clock.Elapsed.TotalSeconds);
        }
    }
}
