using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Learning.Models;

/// <summary>
/// Binary logistic regression, parameters [w₁..w_d, b], started at zero. With cross-entropy the
/// gradient is (σ(z) − y)·x; with square error (the lecture's counter-example) it is
/// 2(σ(z) − y)·σ(z)(1 − σ(z))·x, which vanishes far from the optimum as well as near it.
/// </summary>
public sealed class LogisticRegression(int features, bool squareError) : IDifferentiableModel
{
    public int ParameterCount => features + 1;

    public int Classes => 2;

    public void Initialize(Span<double> parameters, ref Xoshiro256 rng) => parameters.Clear();

    public double LossAndGradient(ReadOnlySpan<double> p, Dataset data, ReadOnlySpan<int> rows, Span<double> gradient, bool training)
    {
        gradient.Clear();
        var w = p[..features];
        var gw = gradient[..features];
        double loss = 0, gb = 0;
        foreach (var i in rows)
        {
            var x = data.Row(i);
            var z = Kernels.Dot(w, x) + p[features];
            var y = data.Y[i];
            double r;
            if (squareError)
            {
                var s = Kernels.Sigmoid(z);
                loss += (s - y) * (s - y);
                r = 2 * (s - y) * s * (1 - s);
            }
            else
            {
                loss += Kernels.Softplus(z) - y * z;
                r = Kernels.Sigmoid(z) - y;
            }
            Kernels.Axpy(r, x, gw);
            gb += r;
        }
        var scale = 1.0 / rows.Length;
        for (var j = 0; j < features; j++) gw[j] *= scale;
        gradient[features] = gb * scale;
        return loss * scale;
    }

    public double Evaluate(ReadOnlySpan<double> p, ReadOnlySpan<double> x, int label, Span<double> scores)
    {
        var z = Kernels.Dot(p[..features], x) + p[features];
        scores[0] = 0;
        scores[1] = z;
        if (squareError)
        {
            var s = Kernels.Sigmoid(z);
            return (s - label) * (s - label);
        }
        return Kernels.Softplus(z) - label * z;
    }
}
