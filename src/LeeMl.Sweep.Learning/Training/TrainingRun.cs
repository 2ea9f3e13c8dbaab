using System.Diagnostics;
using System.Runtime.CompilerServices;
using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Learning.Training;

/// <summary>
/// One training in progress, epoch by epoch: everything the loop carries from one epoch to the
/// next (parameters, the updater's state, the shuffle's generator, the curve) lives here, so a
/// run can stop after any epoch and go on later — on the same thread or another — with the very
/// numbers an uninterrupted run would have computed. Early stopping pauses trials this way.
/// Each epoch: mini-batches in a seeded shuffle, one <see cref="Updater"/> step per batch, then the
/// loss and accuracy on the whole training and validation sets; a non-finite loss ends the run as
/// <see cref="Outcome.Diverged"/>. The batch loop allocates nothing.
/// </summary>
public sealed class TrainingRun
{
    private readonly IDifferentiableModel _model;
    private readonly Updater _updater;
    private readonly Dataset _train;
    private readonly Dataset? _validation;
    private readonly TrainOptions _options;
    private readonly double[] _parameters;
    private readonly double[] _gradient;
    private readonly int[] _order;
    private readonly int[] _rows;
    private readonly List<EpochMetrics> _curve;
    private readonly Stopwatch _clock = new();
    private Xoshiro256 _rng;
    private int? _divergedEpoch;

    /// <summary>The optimizer and schedule this run steps with.</summary>
    public Updater Updater => _updater;

    public TrainingRun(IDifferentiableModel model, Updater updater, Dataset train, Dataset? validation, TrainOptions options)
    {
        ModelCatalog.CheckData(train, options.BatchSize);
        (_model, _updater, _train, _validation, _options) = (model, updater, train, validation, options);
        _rng = new Xoshiro256(options.Seed);
        _parameters = new double[model.ParameterCount];
        if (options.InitialParameters is { } init)
        {
            if (init.Length != _parameters.Length)
                throw new ArgumentException($"the starting parameters have {init.Length} values; this model has {_parameters.Length}");
            init.CopyTo(_parameters, 0);
        }
        else
        {
            model.Initialize(_parameters, ref _rng);
        }
        _gradient = new double[_parameters.Length];
        _order = Trainer.CurriculumOrder(train, options);
        _rows = new int[train.Rows];
        _curve = new List<EpochMetrics>(options.Epochs);
    }

    /// <summary>Epochs trained so far.</summary>
    public int Epoch => _curve.Count;

    /// <summary>The run is over: every epoch trained, or the loss diverged.</summary>
    public bool IsOver => _divergedEpoch is not null || Epoch >= _options.Epochs;

    public IReadOnlyList<EpochMetrics> Curve => _curve;

    /// <summary>The parameters after the last epoch trained.</summary>
    public double[] Parameters => _parameters;

    public FitResult Result => new(_divergedEpoch is null ? Outcome.Completed : Outcome.Diverged, _divergedEpoch, _curve, _parameters);

    /// <summary>Trains epochs until <paramref name="epoch"/> have been trained (at most the run's epochs), or the loss diverges.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void TrainUntil(int epoch, Action<EpochMetrics>? onEpoch = null, CancellationToken cancel = default)
    {
        _clock.Start();
        try
        {
            var last = Math.Min(epoch, _options.Epochs);
            while (_divergedEpoch is null && _curve.Count < last)
            {
                cancel.ThrowIfCancellationRequested();
                if (TrainEpoch(_curve.Count + 1) is { } metrics) onEpoch?.Invoke(metrics);
            }
        }
        finally
        {
            _clock.Stop();
        }
    }

    private EpochMetrics? TrainEpoch(int epoch)
    {
        var used = Trainer.UsedRows(_train.Rows, epoch, _options);
        _order.AsSpan(0, used).CopyTo(_rows);
        if (_options.Shuffle) Splits.Shuffle(_rows.AsSpan(0, used), ref _rng);
        double gradNormSum = 0;
        var batches = 0;
        for (var start = 0; start < used; start += _options.BatchSize)
        {
            var batch = _rows.AsSpan(start, Math.Min(_options.BatchSize, used - start));
            var loss = _model.LossAndGradient(_parameters, _train, batch, _gradient, training: true);
            if (!double.IsFinite(loss)) return Diverge(epoch);
            gradNormSum += Math.Sqrt(Kernels.Dot(_gradient, _gradient));
            batches++;
            _updater.Apply(_parameters, _gradient);
        }
        var (trainLoss, trainAcc) = Classifiers.Evaluate(_model, _parameters, _train);
        if (!double.IsFinite(trainLoss)) return Diverge(epoch);
        var (valLoss, valAcc) = _validation is null ? (double.NaN, double.NaN) : Classifiers.Evaluate(_model, _parameters, _validation);
        var metrics = new EpochMetrics(epoch, _updater.Step, _updater.LearningRate, trainLoss, trainAcc, valLoss, valAcc,
            gradNormSum / batches, _clock.Elapsed.TotalSeconds);
        _curve.Add(metrics);
        return metrics;
    }

    private EpochMetrics? Diverge(int epoch)
    {
        _divergedEpoch = epoch;
        return null;
    }
}
