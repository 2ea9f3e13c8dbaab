using LeeMl.Sweep.Learning.Data;

namespace LeeMl.Sweep.Learning.Models;

/// <summary>
/// Naive Bayes: features independent given the class. Gaussian: a mean and variance per class and
/// feature (variances smoothed by 1e-9 × the largest feature variance, as scikit-learn does).
/// Bernoulli: features binarised at &gt; 0, Laplace-smoothed frequencies.
/// </summary>
public sealed class NaiveBayes(bool bernoulli) : IClosedFormModel
{
    public IClassifier Fit(Dataset train)
    {
        int d = train.Features, k = train.Classes;
        var counts = train.ClassCounts();
        var logPriors = counts.Select(n => Math.Log(Math.Max(n, 1) / (double)train.Rows)).ToArray();
        var a = new double[k * d];   // Gaussian: means; Bernoulli: log p(x=1)
        var b = new double[k * d];   // Gaussian: variances; Bernoulli: log p(x=0)
        if (bernoulli)
        {
            for (var i = 0; i < train.Rows; i++)
                for (var j = 0; j < d; j++)
                    if (train.X[i * d + j] > 0) a[train.Y[i] * d + j]++;
            for (var c = 0; c < k; c++)
                for (var j = 0; j < d; j++)
                {
                    var p = (a[c * d + j] + 1) / (counts[c] + 2.0);
                    a[c * d + j] = Math.Log(p);
                    b[c * d + j] = Math.Log(1 - p);
                }
            return new Model(k, d, logPriors, (c, x) =>
            {
                double s = 0;
                for (var j = 0; j < d; j++) s += x[j] > 0 ? a[c * d + j] : b[c * d + j];
                return s;
            });
        }
        for (var i = 0; i < train.Rows; i++)
            for (var j = 0; j < d; j++) a[train.Y[i] * d + j] += train.X[i * d + j] / counts[train.Y[i]];
        for (var i = 0; i < train.Rows; i++)
            for (var j = 0; j < d; j++)
            {
                var diff = train.X[i * d + j] - a[train.Y[i] * d + j];
                b[train.Y[i] * d + j] += diff * diff / counts[train.Y[i]];
            }
        var smoothing = 1e-9 * Enumerable.Range(0, d).Max(j => Variance(train, j));
        for (var e = 0; e < b.Length; e++) b[e] += smoothing;
        return new Model(k, d, logPriors, (c, x) =>
        {
            double s = 0;
            for (var j = 0; j < d; j++)
            {
                var diff = x[j] - a[c * d + j];
                var v = b[c * d + j];
                s += -0.5 * Math.Log(2 * Math.PI * v) - diff * diff / (2 * v);
            }
            return s;
        });
    }

    private static double Variance(Dataset data, int j)
    {
        double mean = 0, sq = 0;
        for (var i = 0; i < data.Rows; i++) mean += data.X[i * data.Features + j];
        mean /= data.Rows;
        for (var i = 0; i < data.Rows; i++) sq += Math.Pow(data.X[i * data.Features + j] - mean, 2);
        return sq / data.Rows;
    }

    private delegate double LogLikelihood(int c, ReadOnlySpan<double> x);

    private sealed class Model(int classes, int features, double[] logPriors, LogLikelihood likelihood) : IClassifier
    {
        public int Classes => classes;

        public void Scores(ReadOnlySpan<double> x, Span<double> scores)
        {
            if (x.Length != features) throw new ArgumentException("feature count");
            for (var c = 0; c < classes; c++) scores[c] = logPriors[c] + likelihood(c, x);
        }
    }
}
