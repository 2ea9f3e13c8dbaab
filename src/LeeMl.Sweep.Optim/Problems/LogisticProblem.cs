namespace LeeMl.Sweep.Optim.Problems;

/// <summary>
/// Mean logistic loss on a fixed data set, parameters [w..., b]:
/// (1/n) Σ [log(1+e^z) − y·z], z = w·xᵢ + b, with the stable form max(z,0) + log1p(e^−|z|).
/// </summary>
public sealed class LogisticProblem : ITestProblem
{
    private readonly double[][] _x;
    private readonly double[] _y;

    public LogisticProblem(double[][] features, double[] labels)
    {
        if (features.Length == 0 || features.Length != labels.Length)
            throw new ArgumentException("logistic problem: features and labels must be non-empty and of equal length");
        _x = features;
        _y = labels;
        Dimension = features[0].Length + 1;
    }

    public string Name => "logistic";
    public int Dimension { get; }

    private double Z(ReadOnlySpan<double> p, int i)
    {
        var z = p[^1];
        for (var j = 0; j < _x[i].Length; j++) z += p[j] * _x[i][j];
        return z;
    }

    public double Loss(ReadOnlySpan<double> p)
    {
        double sum = 0;
        for (var i = 0; i < _x.Length; i++)
        {
            var z = Z(p, i);
            sum += Math.Max(z, 0) + double.LogP1(Math.Exp(-Math.Abs(z))) - _y[i] * z;
        }
        return sum / _x.Length;
    }

    public void Gradient(ReadOnlySpan<double> p, Span<double> g)
    {
        g.Clear();
        for (var i = 0; i < _x.Length; i++)
        {
            var r = (1 / (1 + Math.Exp(-Z(p, i))) - _y[i]) / _x.Length;
            for (var j = 0; j < _x[i].Length; j++) g[j] += _x[i][j] * r;
            g[^1] += r;
        }
    }
}
