using LeeMl.Sweep.Learning.Data;
using MathNet.Numerics.LinearAlgebra;

namespace LeeMl.Sweep.Learning.Models;

/// <summary>
/// The lecture's probabilistic generative model: a Gaussian per class fitted by maximum
/// likelihood (mean, covariance divided by N), with a covariance per class or one shared
/// covariance (the prior-weighted average of the class covariances, which makes the boundary
/// linear). A singular Σ (Pokémon's Total = sum of the other stats; Adult's one-hot columns)
/// is handled with the pseudo-inverse and pseudo-determinant: the density of the Gaussian on the
/// subspace where the data lie.
/// </summary>
public sealed class GaussianGenerative(bool sharedCovariance) : IClosedFormModel
{
    /// <summary>Eigenvalues below this fraction of the largest count as zero (numerical rank).</summary>
    public const double RelativeCutoff = 1e-8;

    public IClassifier Fit(Dataset train)
    {
        int d = train.Features, k = train.Classes;
        var counts = train.ClassCounts();
        if (counts.Any(c => c == 0)) throw new DataException("a class has no training rows");
        var means = new double[k][];
        var covariances = new Matrix<double>[k];
        for (var c = 0; c < k; c++)
        {
            var rows = Enumerable.Range(0, train.Rows).Where(i => train.Y[i] == c).ToArray();
            var mean = new double[d];
            foreach (var i in rows) Kernels.Axpy(1, train.Row(i), mean);
            for (var j = 0; j < d; j++) mean[j] /= rows.Length;
            var centred = Matrix<double>.Build.Dense(rows.Length, d, (r, j) => train.X[rows[r] * d + j] - mean[j]);
            covariances[c] = centred.TransposeThisAndMultiply(centred) / rows.Length;
            means[c] = mean;
        }
        if (sharedCovariance)
        {
            var shared = Matrix<double>.Build.Dense(d, d);
            for (var c = 0; c < k; c++) shared += covariances[c] * ((double)counts[c] / train.Rows);
            for (var c = 0; c < k; c++) covariances[c] = shared;
        }
        var logPriors = counts.Select(n => Math.Log((double)n / train.Rows)).ToArray();
        var components = new Component[k];
        for (var c = 0; c < k; c++)
            components[c] = sharedCovariance && c > 0 ? components[0] with { Mean = means[c] } : Component.Of(means[c], covariances[c]);
        return new Classifier(components, logPriors);
    }

    private sealed record Component(double[] Mean, double[] PrecisionRowMajor, double LogNormaliser)
    {
        public static Component Of(double[] mean, Matrix<double> sigma)
        {
            var evd = sigma.Evd(Symmetricity.Symmetric);
            var values = evd.EigenValues.Select(v => v.Real).ToArray();
            var cutoff = values.Max() * RelativeCutoff;
            var q = evd.EigenVectors;
            var d = mean.Length;
            var inverse = Matrix<double>.Build.Dense(d, d);
            double logDet = 0;
            var rank = 0;
            for (var e = 0; e < d; e++)
            {
                if (values[e] <= cutoff) continue;
                rank++;
                logDet += Math.Log(values[e]);
                var v = q.Column(e);
                inverse += v.OuterProduct(v) / values[e];
            }
            return new Component(mean, inverse.ToRowMajorArray(), -0.5 * logDet - 0.5 * rank * Math.Log(2 * Math.PI));
        }

        public double LogDensity(ReadOnlySpan<double> x, Span<double> diff)
        {
            var d = Mean.Length;
            for (var j = 0; j < d; j++) diff[j] = x[j] - Mean[j];
            double quad = 0;
            for (var r = 0; r < d; r++) quad += diff[r] * Kernels.Dot(PrecisionRowMajor.AsSpan(r * d, d), diff);
            return LogNormaliser - 0.5 * quad;
        }
    }

    private sealed class Classifier(Component[] components, double[] logPriors) : IClassifier
    {
        private readonly double[] _diff = new double[components[0].Mean.Length];

        public int Classes => components.Length;

        public void Scores(ReadOnlySpan<double> x, Span<double> scores)
        {
            for (var c = 0; c < components.Length; c++)
                scores[c] = logPriors[c] + components[c].LogDensity(x, _diff);
        }
    }
}
