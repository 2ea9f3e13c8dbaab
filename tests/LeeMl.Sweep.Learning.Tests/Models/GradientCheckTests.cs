using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Learning.Tests.Models;

/// <summary>Every differentiable model's gradient against central finite differences.</summary>
public sealed class GradientCheckTests
{
    // The "-wide" cases are wider than the batched kernels' register blocks (4 rows × 2 vectors) and
    // leave remainders in every dimension: 37 rows, 11 features, 13 and 9 hidden units.
    public static TheoryData<string> Models => ["logistic", "logistic-mse", "logistic-wide", "softmax", "mlp-relu", "mlp-tanh", "mlp-sigmoid-2",
        "mlp-relu-wide", "mlp-tanh-2-wide"];

    [Theory]
    [MemberData(nameof(Models))]
    public void Analytic_gradient_matches_finite_differences(string name)
    {
        var wide = name.EndsWith("-wide", StringComparison.Ordinal);
        var (rowCount, features) = wide ? (37, 11) : (40, 5);
        var data = name.StartsWith("logistic", StringComparison.Ordinal)
            ? Synthetic.Blobs(rowCount, features, seed: 3)
            : Synthetic.Blobs(rowCount, features, classes: 3, seed: 3);
        IDifferentiableModel model = name switch
        {
            "logistic" => new LogisticRegression(5, squareError: false),
            "logistic-mse" => new LogisticRegression(5, squareError: true),
            "logistic-wide" => new LogisticRegression(features, squareError: false),
            "mlp-relu-wide" => new NeuralNet(features, 3, [13], Activation.Relu),
            "mlp-tanh-2-wide" => new NeuralNet(features, 3, [13, 9], Activation.Tanh),
            "softmax" => new NeuralNet(5, 3, []),
            "mlp-relu" => new NeuralNet(5, 3, [7], Activation.Relu),
            "mlp-tanh" => new NeuralNet(5, 3, [7], Activation.Tanh),
            _ => new NeuralNet(5, 3, [6, 4], Activation.Sigmoid),
        };
        var rng = new Xoshiro256(9);
        var p = new double[model.ParameterCount];
        for (var i = 0; i < p.Length; i++) p[i] = 0.5 * rng.NextGaussian();   // away from zero: every unit active somewhere
        var rows = Enumerable.Range(0, data.Rows).ToArray();
        var g = new double[p.Length];
        var scratch = new double[p.Length];
        model.LossAndGradient(p, data, rows, g, training: false);
        const double h = 1e-6;
        for (var j = 0; j < p.Length; j++)
        {
            var keep = p[j];
            p[j] = keep + h;
            var up = model.LossAndGradient(p, data, rows, scratch, training: false);
            p[j] = keep - h;
            var down = model.LossAndGradient(p, data, rows, scratch, training: false);
            p[j] = keep;
            var numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - g[j]) <= 1e-6 * Math.Max(1, Math.Abs(numeric)), $"{name} parameter {j}: analytic {g[j]}, numeric {numeric}");
        }
    }
}
