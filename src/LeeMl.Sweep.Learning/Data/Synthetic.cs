using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Learning.Data;

/// <summary>Built-in seeded data: no files needed, the same seed gives the same rows everywhere.</summary>
public static class Synthetic
{
    /// <summary>
    /// Gaussian classes: class means placed at ±<paramref name="separation"/>/2 along random
    /// directions, unit variance, a fraction <paramref name="labelNoise"/> of labels flipped at random.
    /// </summary>
    public static Dataset Blobs(int samples, int features, int classes = 2, double separation = 2.0, double labelNoise = 0.05, ulong seed = 1)
    {
        if (samples < 2 * classes || features < 1 || classes < 2) throw new DataException($"blobs: need samples >= {2 * classes}, features >= 1, classes >= 2");
        var rng = new Xoshiro256(seed);
        var means = new double[classes * features];
        for (var k = 0; k < classes; k++)
        {
            double norm = 0;
            for (var j = 0; j < features; j++) { means[k * features + j] = rng.NextGaussian(); norm += means[k * features + j] * means[k * features + j]; }
            norm = Math.Sqrt(norm);
            for (var j = 0; j < features; j++) means[k * features + j] *= separation / 2 / norm;
        }
        var x = new double[samples * features];
        var y = new int[samples];
        for (var i = 0; i < samples; i++)
        {
            var k = i % classes;
            for (var j = 0; j < features; j++) x[i * features + j] = means[k * features + j] + rng.NextGaussian();
            y[i] = rng.NextDouble() < labelNoise ? rng.NextInt(classes) : k;
        }
        return new Dataset(x, y, features, [.. Enumerable.Range(0, features).Select(j => $"x{j}")], [.. Enumerable.Range(0, classes).Select(k => $"class{k}")]);
    }

    /// <summary>
    /// Two interleaving half-moons in the first two features (Gaussian jitter <paramref name="noise"/>),
    /// padded with standard-normal noise features up to <paramref name="features"/>: no line separates them.
    /// </summary>
    public static Dataset Moons(int samples, int features = 2, double noise = 0.2, ulong seed = 1)
    {
        if (samples < 4 || features < 2) throw new DataException("moons: need samples >= 4 and features >= 2");
        var rng = new Xoshiro256(seed);
        var x = new double[samples * features];
        var y = new int[samples];
        for (var i = 0; i < samples; i++)
        {
            var k = i % 2;
            var angle = Math.PI * rng.NextDouble();
            var (px, py) = k == 0 ? (Math.Cos(angle), Math.Sin(angle)) : (1 - Math.Cos(angle), 0.5 - Math.Sin(angle));
            x[i * features] = px + noise * rng.NextGaussian();
            x[i * features + 1] = py + noise * rng.NextGaussian();
            for (var j = 2; j < features; j++) x[i * features + j] = rng.NextGaussian();
            y[i] = k;
        }
        return new Dataset(x, y, features, [.. Enumerable.Range(0, features).Select(j => $"x{j}")], ["upper", "lower"]);
    }
}
