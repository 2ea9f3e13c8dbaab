using System.Diagnostics;
using System.Runtime.CompilerServices;
using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Learning.Training;

/// <summary>
/// The training loop: mini-batches (seeded shuffle), one <see cref="Updater"/> step per batch, and
/// after every epoch the loss and accuracy on the whole training and validation sets. A
/// non-finite loss ends the training as <see cref="Outcome.Diverged"/>. The batch loop
/// allocates nothing; the same seed gives the same numbers, bit for bit.
/// </summary>
public static class Trainer
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static FitResult Fit(IDifferentiableModel model, Updater updater, Dataset train, Dataset? validation,
        TrainOptions options, Action<EpochMetrics>? onEpoch = null, CancellationToken cancel = default)
    {
        ModelCatalog.CheckData(train, options.BatchSize);
        var rng = new Xoshiro256(options.Seed);
        var parameters = new double[model.ParameterCount];
        if (options.InitialParameters is { } init)
        {
            if (init.Length != parameters.Length)
                throw new ArgumentException($"the starting parameters have {init.Length} values; this model has {parameters.Length}");
            init.CopyTo(parameters, 0);
        }
        else
        {
            model.Initialize(parameters, ref rng);
        }
        var gradient = new double[parameters.Length];
        var order = CurriculumOrder(train, options);
        var rows = new int[train.Rows];
        var curve = new List<EpochMetrics>(options.Epochs);
        var clock = Stopwatch.StartNew();

        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            var used = UsedRows(train.Rows, epoch, options);
            order.AsSpan(0, used).CopyTo(rows);
            if (options.Shuffle) Splits.Shuffle(rows.AsSpan(0, used), ref rng);
            double gradNormSum = 0;
            var batches = 0;
            for (var start = 0; start < used; start += options.BatchSize)
            {
                var batch = rows.AsSpan(start, Math.Min(options.BatchSize, used - start));
                var loss = model.LossAndGradient(parameters, train, batch, gradient, training: true);
                if (!double.IsFinite(loss)) return Diverged(epoch, curve, parameters);
                gradNormSum += Math.Sqrt(Kernels.Dot(gradient, gradient));
                batches++;
                updater.Apply(parameters, gradient);
            }
            var (trainLoss, trainAcc) = Classifiers.Evaluate(model, parameters, train);
            if (!double.IsFinite(trainLoss)) return Diverged(epoch, curve, parameters);
            var (valLoss, valAcc) = validation is null ? (double.NaN, double.NaN) : Classifiers.Evaluate(model, parameters, validation);
            var metrics = new EpochMetrics(epoch, updater.Step, updater.LearningRate, trainLoss, trainAcc, valLoss, valAcc,
                gradNormSum / batches, clock.Elapsed.TotalSeconds);
            curve.Add(metrics);
            onEpoch?.Invoke(metrics);
        }
        return new FitResult(Outcome.Completed, null, curve, parameters);
    }

    private static FitResult Diverged(int epoch, List<EpochMetrics> curve, double[] parameters) =>
        new(Outcome.Diverged, epoch, curve, parameters);

    /// <summary>Row order: easiest first under a curriculum, else natural order.</summary>
    private static int[] CurriculumOrder(Dataset train, TrainOptions options)
    {
        var order = Enumerable.Range(0, train.Rows).ToArray();
        if (options.Curriculum is not { } score) return order;
        if (score.Length != train.Rows) throw new ArgumentException("one curriculum score per training row");
        return [.. order.OrderBy(i => score[i]).ThenBy(i => i)];
    }

    private static int UsedRows(int rows, int epoch, TrainOptions options)
    {
        if (options.Curriculum is null || options.CurriculumEpochs <= 0 || epoch > options.CurriculumEpochs) return rows;
        var share = (double)epoch / (options.CurriculumEpochs + 1);
        return Math.Clamp((int)Math.Ceiling(rows * share), Math.Min(rows, options.BatchSize), rows);
    }

    /// <summary>
    /// A stated difficulty score for curriculum learning: distance of each row to its own class
    /// mean in standardised space (typical examples first, outliers and overlaps last).
    /// </summary>
    public static double[] DistanceToClassMean(Dataset train)
    {
        var d = train.Features;
        var means = new double[train.Classes * d];
        var counts = train.ClassCounts();
        for (var i = 0; i < train.Rows; i++)
            Kernels.Axpy(1.0 / counts[train.Y[i]], train.Row(i), means.AsSpan(train.Y[i] * d, d));
        var score = new double[train.Rows];
        for (var i = 0; i < train.Rows; i++)
        {
            double s = 0;
            for (var j = 0; j < d; j++) s += Math.Pow(train.X[i * d + j] - means[train.Y[i] * d + j], 2);
            score[i] = Math.Sqrt(s);
        }
        return score;
    }
}
