using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Optim.Hyper;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Learning.Tests.Models;

/// <summary>Accuracies on the real files against shared/baselines.md (scikit-learn, PyTorch, numpy).</summary>
public sealed class BaselineTests(ITestOutputHelper output)
{
    private static readonly string[] SixStats = ["HP", "Attack", "Defense", "Sp. Atk", "Sp. Def", "Speed"];

    [Fact]
    public void Pokemon_lecture_split_is_79_water_61_normal_and_70_test()
    {
        var split = TestData.Load("pokemon");
        Assert.Equal(["Normal", "Water"], split.Train.ClassNames);
        Assert.Equal([61, 79], split.Train.ClassCounts());
        Assert.Equal(70, split.Test!.Rows);
    }

    [Fact]
    public void Pokemon_generative_models_match_the_well_defined_references()
    {
        var twoD = TestData.Load("pokemon", ["Defense", "Sp. Def"]);
        var seven = TestData.Load("pokemon");
        var separate2 = TestData.ClosedFormTestAccuracy("gaussian-separate", twoD);
        var separate7 = TestData.ClosedFormTestAccuracy("gaussian-separate", seven);
        var shared7 = TestData.ClosedFormTestAccuracy("gaussian-shared", seven);
        output.WriteLine($"separate 2-D {separate2:P2}, separate 7-D {separate7:P2}, shared 7-D {shared7:P2}");
        Assert.Equal(36, (int)Math.Round(separate2 * 70));   // 51.43 %
        Assert.Equal(45, (int)Math.Round(separate7 * 70));   // 64.29 %
        Assert.Equal(54, (int)Math.Round(shared7 * 70));     // 77.14 %
    }

    [Fact]
    public void Pokemon_logistic_regression_on_the_7_stats_is_within_1_5_points_of_78_57()
    {
        var split = TestData.Load("pokemon");
        var (fit, model) = TestData.Train("logistic", split.Train, null, new ComponentSpec("sgd").With("lr", 0.1), epochs: 2000, batch: 140);
        var acc = TestData.TestAccuracy(model, fit, split.Test!);
        output.WriteLine($"logistic 7-D test {acc:P2}");
        Assert.InRange(acc * 100, 78.57 - 1.5, 78.57 + 1.5);
    }

    [Fact]
    public void Adult_generative_logistic_and_mlp_reach_the_references()
    {
        var split = TestData.Load("adult");
        Assert.Equal(108, split.Train.Features);
        Assert.Equal(32561, split.Train.Rows);
        Assert.Equal(16281, split.Test!.Rows);
        var shared = TestData.ClosedFormTestAccuracy("gaussian-shared", split);
        var (fit, model) = TestData.Train("logistic", split.Train, null, new ComponentSpec("adam").With("lr", 1e-3), epochs: 20, batch: 64);
        var logistic = TestData.TestAccuracy(model, fit, split.Test!);
        var (mfit, mlp) = TestData.Train("mlp", split.Train, null, new ComponentSpec("adam").With("lr", 1e-3), epochs: 8, batch: 64);
        var mlpAcc = TestData.TestAccuracy(mlp, mfit, split.Test!);
        output.WriteLine($"adult: shared {shared:P2}, logistic {logistic:P2}, mlp {mlpAcc:P2}");
        Assert.InRange(shared * 100, 84.37 - 0.2, 84.37 + 0.2);
        Assert.True(logistic * 100 >= 85.0, $"logistic {logistic:P2}");
        Assert.True(mlpAcc * 100 >= 85.3, $"mlp {mlpAcc:P2}");
    }

    [Theory]
    [InlineData("breast-cancer", "logistic", 98.25)]
    [InlineData("breast-cancer", "gaussian-shared", 95.61)]
    [InlineData("digits", "softmax", 96.94)]
    [InlineData("digits", "gaussian-shared", 95.56)]
    public void Sklearn_datasets_stratified_80_20_are_within_1_5_points(string dataset, string model, double reference)
    {
        // Our seeded splitter cannot reproduce numpy's permutation, and one 80/20 split alone moves
        // test accuracy by about ±2 points (digits LDA: 93.6–97.8 % over 10 seeds), so the
        // comparison is the mean over five seeded splits.
        var accs = Enumerable.Range(0, 5).Select(seed =>
        {
            var split = TestData.Load(dataset, seed: (ulong)seed);
            Assert.Equal(dataset == "digits" ? 360 : 114, split.Test!.Rows);   // ⌈0.2·n⌉ as scikit-learn
            if (model.StartsWith("gaussian", StringComparison.Ordinal))
                return TestData.ClosedFormTestAccuracy(model, split);
            var (fit, m) = TestData.Train(model, split.Train, null, new ComponentSpec("adam").With("lr", 0.01).With("weight_decay", 1e-3), epochs: 40, batch: 32);
            return TestData.TestAccuracy(m, fit, split.Test!);
        }).ToArray();
        var acc = accs.Average();
        output.WriteLine($"{dataset} {model}: mean {acc:P2} over splits [{string.Join(", ", accs.Select(a => a.ToString("P2")))}] (reference {reference} %)");
        Assert.InRange(acc * 100, reference - 1.5, reference + 1.5);
    }
}
