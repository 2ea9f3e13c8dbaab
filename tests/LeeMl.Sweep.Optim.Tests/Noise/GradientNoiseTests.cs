using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Noise;
using LeeMl.Sweep.Optim.Optimizers;
using LeeMl.Sweep.Optim.Tests.Golden;

namespace LeeMl.Sweep.Optim.Tests.Noise;

/// <summary>
/// Gradient noise checked statistically (shared/spec/optimizers.md §6): no C# generator can
/// match torch's draws, so the bounds are about five standard deviations of each statistic.
/// Every check drives a real optimizer through <see cref="Updater"/>.
/// </summary>
public sealed class GradientNoiseTests
{
    public static IEnumerable<object[]> OptimizerCases() =>
        GoldenFiles.Cases().Where(c => c[0] is string f && f.StartsWith("optimizers", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(OptimizerCases))]
    public void Off_means_off_every_golden_case_passes_with_zero_eta(string file, string id)
    {
        var (root, c) = GoldenFiles.Load(file, id);
        GoldenTests.RunOptimizerCase(root, c, new GradientNoise(eta: 0, gamma: 0.55, seed: 42));
    }

    /// <summary>
    /// f = 0 with sgd at lr = 1, so x_{i+1} − x_i = −n_i exactly: yields (i, n_i) for the steps
    /// <paramref name="record"/> picks (all by default).
    /// </summary>
    private static IEnumerable<double[]> Increments(int dimension, int steps, double eta, ulong seed) =>
        Increments(dimension, steps, eta, seed, _ => true).Select(s => s.Noise);

    private static IEnumerable<(int Step, double[] Noise)> Increments(int dimension, int steps, double eta, ulong seed, Func<int, bool> record)
    {
        var updater = new Updater(new Sgd(dimension, 1.0, 0), noise: new GradientNoise(eta, 0.55, seed));
        var x = new double[dimension];
        var before = new double[dimension];
        var zeroGradient = new double[dimension];
        for (var i = 0; i < steps; i++)
        {
            if (!record(i))
            {
                updater.Apply(x, zeroGradient);
                continue;
            }
            x.CopyTo(before, 0);
            updater.Apply(x, zeroGradient);
            var n = new double[dimension];
            for (var j = 0; j < dimension; j++) n[j] = before[j] - x[j];
            yield return (i, n);
        }
    }

    [Fact]
    public void Same_seed_gives_bit_identical_runs_and_another_seed_does_not()
    {
        var a = Increments(1000, 20, 0.3, 7).SelectMany(n => n).ToArray();
        var b = Increments(1000, 20, 0.3, 7).SelectMany(n => n).ToArray();
        var c = Increments(1000, 20, 0.3, 8).SelectMany(n => n).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.3)]
    [InlineData(1.0)]
    public void Per_step_mean_and_variance_match_sigma_i(double eta)
    {
        const int d = 100_000;
        var checkedSteps = new[] { 0, 9, 99, 999 };
        foreach (var (step, n) in Increments(d, 1000, eta, seed: 11, checkedSteps.Contains))
        {
            {
                var sigma = Math.Sqrt(eta / Math.Pow(1 + step, 0.55));
                var mean = n.Average();
                var s2 = n.Sum(v => (v - mean) * (v - mean)) / (d - 1);
                Assert.True(Math.Abs(mean) <= 5 * sigma / Math.Sqrt(d), $"step {step}: mean {mean}");
                Assert.True(Math.Abs(s2 / (sigma * sigma) - 1) <= 5 * Math.Sqrt(2.0 / (d - 1)), $"step {step}: s2/sigma2 {s2 / (sigma * sigma)}");
            }
        }
    }

    [Fact]
    public void Variance_decays_as_eta_over_one_plus_i_to_the_gamma_and_is_gaussian_and_independent()
    {
        const int d = 2000, steps = 1000;
        const double eta = 0.3;
        var noise = Increments(d, steps, eta, seed: 5).ToArray();

        // Decay law: least squares of log s2_i on log(1+i).
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (var i = 0; i < steps; i++)
        {
            var mean = noise[i].Average();
            var s2 = noise[i].Sum(v => (v - mean) * (v - mean)) / (d - 1);
            double lx = Math.Log(1 + i), ly = Math.Log(s2);
            sx += lx; sy += ly; sxx += lx * lx; sxy += lx * ly;
        }
        var slope = (steps * sxy - sx * sy) / (steps * sxx - sx * sx);
        var intercept = (sy - slope * sx) / steps;
        Assert.True(Math.Abs(-slope - 0.55) <= 0.006, $"gamma_hat {-slope}");
        Assert.True(Math.Abs(Math.Exp(intercept) / eta - 1) <= 0.035, $"eta_hat {Math.Exp(intercept)}");

        // Shape: z = n_i / sigma_i pooled.
        var z = new double[steps][];
        for (var i = 0; i < steps; i++)
        {
            var sigma = Math.Sqrt(eta / Math.Pow(1 + i, 0.55));
            z[i] = noise[i].Select(v => v / sigma).ToArray();
        }
        var all = z.SelectMany(r => r).ToArray();
        double n = all.Length;
        var within1 = all.Count(v => Math.Abs(v) < 1) / n;
        var within2 = all.Count(v => Math.Abs(v) < 2) / n;
        Assert.True(Math.Abs(within1 - 0.6827) <= 5 * Math.Sqrt(0.6827 * 0.3173 / n), $"P(|z|<1) = {within1}");
        Assert.True(Math.Abs(within2 - 0.9545) <= 5 * Math.Sqrt(0.9545 * 0.0455 / n), $"P(|z|<2) = {within2}");

        // Independence: lag-1 across steps, and neighbouring coordinates.
        var acrossSteps = Correlation(Enumerable.Range(0, steps - 1).SelectMany(i => Enumerable.Range(0, d).Select(j => (z[i][j], z[i + 1][j]))));
        var acrossCoordinates = Correlation(Enumerable.Range(0, steps).SelectMany(i => Enumerable.Range(0, d - 1).Select(j => (z[i][j], z[i][j + 1]))));
        Assert.True(Math.Abs(acrossSteps) <= 5 / Math.Sqrt(n), $"lag-1 correlation {acrossSteps}");
        Assert.True(Math.Abs(acrossCoordinates) <= 5 / Math.Sqrt(n), $"coordinate correlation {acrossCoordinates}");
    }

    [Fact]
    public void Noise_is_added_before_the_coupled_weight_decay()
    {
        // With f = 0, sgd(lr, wd): x1 = x0 − lr·(n0 + wd·x0). Same seed without decay gives n0.
        var withDecay = new Updater(new Sgd(3, 0.5, 0.2), noise: new GradientNoise(1.0, 0.55, 3));
        var withoutDecay = new Updater(new Sgd(3, 0.5, 0.0), noise: new GradientNoise(1.0, 0.55, 3));
        double[] x = [1, 2, 3], y = [1, 2, 3], zero = [0, 0, 0];
        withDecay.Apply(x, zero);
        withoutDecay.Apply(y, zero);
        for (var j = 0; j < 3; j++)
            Assert.Equal(y[j] - 0.5 * 0.2 * (j + 1), x[j], 12);
    }

    [Theory]
    [InlineData(-0.1, 0.55)]
    [InlineData(double.NaN, 0.55)]
    [InlineData(0.3, -1)]
    public void Bad_noise_hyperparameters_are_rejected(double eta, double gamma)
    {
        var e = Assert.Throws<HyperparameterException>(() => new GradientNoise(eta, gamma, 1));
        Assert.Contains("gradient noise", e.Message);
    }

    private static double Correlation(IEnumerable<(double A, double B)> pairs)
    {
        double n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        foreach (var (a, b) in pairs)
        {
            n++; sa += a; sb += b; saa += a * a; sbb += b * b; sab += a * b;
        }
        var cov = sab / n - sa / n * (sb / n);
        return cov / Math.Sqrt((saa / n - sa / n * (sa / n)) * (sbb / n - sb / n * (sb / n)));
    }
}
