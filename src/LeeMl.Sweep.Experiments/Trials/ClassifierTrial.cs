using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Learning.Training;
using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Noise;
using LeeMl.Sweep.Experiments.Running;

namespace LeeMl.Sweep.Experiments.Trials;

/// <summary>The built-in kind: one of the classifiers, trained with an optimizer, schedule, warm-up and noise of the grid.</summary>
public sealed class ClassifierTrialKind : ITrialKind
{
    public const string KindName = "classifier";

    public string Name => KindName;

    public ITrial Start(SweepSpec sweep, TrialSpec trial, DataLoader data, Programs.TrialHost host) => ClassifierTrial.Start(sweep, trial, data);
}

/// <summary>
/// A classifier's training, epoch by epoch: builds data, model, optimizer, schedule and noise from
/// the trial's spec, trains as far as asked, measures. What the trial itself decides (it diverged;
/// it cannot run on this data) is its result; what the machine decides (the data could not be
/// fetched, memory ran out) escapes as an exception. Closed-form models and trials that cannot
/// run on the data are over at once.
/// </summary>
public sealed class ClassifierTrial : ITrial
{
    private readonly TrialSpec _trial;
    private readonly DataSplit? _split;   // null only for a trial that ended before it had data
    private readonly IDifferentiableModel? _model;
    private readonly TrainingRun? _run;
    private TrialResult? _final;

    private ClassifierTrial(TrialSpec trial, DataSplit? split, IDifferentiableModel? model, TrainingRun? run, TrialResult? final) =>
        (_trial, _split, _model, _run, _final) = (trial, split, model, run, final);

    public static ClassifierTrial Start(SweepSpec sweep, TrialSpec trial, DataLoader data)
    {
        // Loading the data is the node's business: a failure here is not the trial's outcome —
        // unless the data break a limit, which they do on every node alike.
        DataSplit split;
        try
        {
            split = data.ForTrial(sweep.Data, sweep.Validation, trial.SplitSeed);
        }
        catch (Learning.Data.DataException e) when (e.OverLimit)
        {
            return new ClassifierTrial(trial, null, null, null, TrialResult.FailedWith(trial, e.Message));
        }
        try
        {
            var train = split.Train;
            switch (ModelCatalog.Create(trial.Model, train.Features, train.Classes, trial.TrainingSeed))
            {
                case ModelKind.ClosedForm closed:
                {
                    var classifier = closed.Model.Fit(train);
                    return new ClassifierTrial(trial, split, null, null, Result(trial, TrialOutcome.Completed, [],
                        Classifiers.Accuracy(classifier, train),
                        split.Validation is null ? double.NaN : Classifiers.Accuracy(classifier, split.Validation),
                        split.Test is null ? double.NaN : Classifiers.Accuracy(classifier, split.Test),
                        double.NaN, double.NaN, null));
                }
                case ModelKind.Differentiable net:
                {
                    var options = new TrainOptions(sweep.Epochs, ModelCatalog.BatchSize(trial.Model, sweep.BatchSize), Shuffle: true, Seed: trial.TrainingSeed);
                    var noise = trial.Noise is { } n
                        ? new GradientNoise(((ParamValue.Number)n.Params["eta"]).Value, ((ParamValue.Number)n.Params["gamma"]).Value, trial.TrainingSeed ^ 0x9E3779B97F4A7C15UL)
                        : null;
                    var updater = Updater.Create(trial.Optimizer!, net.Model.ParameterCount, SpecParser.TrialSchedule(trial.Schedule, trial.Warmup),
                        options.TotalSteps(train.Rows), noise);
                    return new ClassifierTrial(trial, split, net.Model, new TrainingRun(net.Model, updater, train, split.Validation, options), null);
                }
                default:
                    throw new InvalidOperationException("unknown model kind");
            }
        }
        catch (Exception e) when (e is Learning.Data.DataException or HyperparameterException)
        {
            // The trial cannot run on this data (too few rows for a batch, a warm-up longer than the run, ...): the same everywhere.
            return new ClassifierTrial(trial, split, null, null, TrialResult.FailedWith(trial, e.Message));
        }
    }

    /// <summary>Epochs trained so far.</summary>
    public int Step => _run?.Epoch ?? 0;

    public bool IsOver => _final is not null || _run!.IsOver;

    public EpochResult? LastStep => _run is { Curve.Count: > 0 } r ? EpochResult.From(r.Curve[^1]) : null;

    public void RunUntil(int step, Action<EpochResult>? onStep, CancellationToken cancel) =>
        _run?.TrainUntil(step, onStep is null ? null : e => onStep(EpochResult.From(e)), cancel);

    public void Dispose()
    {
        // Nothing outside the process is held: the model and data are the garbage collector's.
    }

    public TrialResult Result(int? stoppedAtRung = null)
    {
        if (_final is not null) return _final;
        var (fit, split) = (_run!.Result, _split!);   // a trial with a run has its data
        var curve = fit.Curve.Select(EpochResult.From).ToArray();
        var last = curve.Length > 0 ? curve[^1] : null;
        int? best = curve.Length == 0 || split.Validation is null
            ? null
            : curve.Aggregate((a, b) => b.ValidationAccuracy > a.ValidationAccuracy ? b : a).Epoch;
        var test = split.Test is null || fit.Outcome == Outcome.Diverged ? double.NaN : Classifiers.Evaluate(_model!, fit.Parameters, split.Test).Accuracy;
        var outcome = fit.Outcome == Outcome.Diverged ? TrialOutcome.Diverged : stoppedAtRung is not null ? TrialOutcome.Stopped : TrialOutcome.Completed;
        var result = Result(_trial, outcome, curve, last?.TrainAccuracy ?? double.NaN, last?.ValidationAccuracy ?? double.NaN, test,
            last?.TrainLoss ?? double.NaN, last?.ValidationLoss ?? double.NaN, best);
        return result with
        {
            DivergedEpoch = fit.DivergedEpoch, StoppedRung = outcome == TrialOutcome.Stopped ? stoppedAtRung : null,
            SwitchedStep = (_run.Updater.Optimizer as Optim.Optimizers.Swats)?.SwitchedAt,
        };
    }

    private static TrialResult Result(TrialSpec t, TrialOutcome outcome, IReadOnlyList<EpochResult> curve,
        double train, double validation, double test, double trainLoss, double validationLoss, int? best) =>
        new(t.Key, t.Model.ToString(), t.Optimizer?.ToString(), t.Schedule?.ToString(), t.Warmup?.ToString(), t.Noise?.ToString(), t.Seed,
            outcome, null, null, train, validation, test, trainLoss, validationLoss, best, null, curve)
        { Sample = t.IsProposed ? t.Sample : null };
}
