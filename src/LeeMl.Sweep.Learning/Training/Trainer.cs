using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Optim;

namespace LeeMl.Sweep.Learning.Training;

/// <summary>
/// A whole training in one call (<see cref="TrainingRun"/> to its last epoch), and the curriculum's
/// row order and difficulty score that the loop uses.
/// </summary>
public static class Trainer
{
    public static FitResult Fit(IDifferentiableModel model, Updater updater, Dataset train, Dataset? validation,
        TrainOptions options, Action<EpochMetrics>? onEpoch = null, CancellationToken cancel = default)
    {
        var run = new TrainingRun(model, updater, train, validation, options);
        run.TrainUntil(options.Epochs, onEpoch, cancel);
        return run.Result;
    }

    /// <summary>Row order: easiest first under a curriculum, else natural order.</summary>
    internal static int[] CurriculumOrder(Dataset train, TrainOptions options)
    {
        var order = Enumerable.Range(0, train.Rows).ToArray();
        if (options.Curriculum is not { } score) return order;
        if (score.Length != train.Rows) throw new ArgumentException("one curriculum score per training row");
        return [.. order.OrderBy(i => score[i]).ThenBy(i => i)];
    }

    internal static int UsedRows(int rows, int epoch, TrainOptions options)
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
