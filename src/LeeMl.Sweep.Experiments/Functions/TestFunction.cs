namespace LeeMl.Sweep.Experiments.Functions;

/// <summary>
/// The standard test functions of black-box optimisation, to try a searcher in seconds without
/// training anything: each is minimised, with its known minimum. Arguments x1…xd in the ranges the
/// spec's grid gives (Branin is usually searched on x1 ∈ [−5, 10], x2 ∈ [0, 15]; Hartmann-6 on
/// [0, 1]⁶; Rosenbrock on [−5, 10]ᵈ; Levy on [−10, 10]ᵈ).
/// </summary>
public static class TestFunction
{
    public static readonly IReadOnlyList<string> Names = ["branin", "hartmann6", "rosenbrock", "levy"];

    /// <summary>How many arguments a function takes: fixed for Branin (2) and Hartmann-6 (6), chosen for the others.</summary>
    public static int? FixedDimensions(string name) => name switch
    {
        "branin" => 2,
        "hartmann6" => 6,
        _ => null,
    };

    /// <summary>The global minimum.</summary>
    public static double Minimum(string name) => name switch
    {
        "branin" => 0.397887357729738,
        "hartmann6" => -3.32236801141551,
        _ => 0,
    };

    public static double Evaluate(string name, ReadOnlySpan<double> x) => name switch
    {
        "branin" => Branin(x[0], x[1]),
        "hartmann6" => Hartmann6(x),
        "rosenbrock" => Rosenbrock(x),
        "levy" => Levy(x),
        _ => throw new ArgumentException($"unknown function '{name}'", nameof(name)),
    };

    public static double Branin(double x1, double x2)
    {
        const double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
        var a = x2 - b * x1 * x1 + c * x1 - 6;
        return a * a + 10 * (1 - t) * Math.Cos(x1) + 10;
    }

    private static readonly double[] Alpha = [1.0, 1.2, 3.0, 3.2];

    private static readonly double[,] A =
    {
        { 10, 3, 17, 3.5, 1.7, 8 },
        { 0.05, 10, 17, 0.1, 8, 14 },
        { 3, 3.5, 1.7, 10, 17, 8 },
        { 17, 8, 0.05, 10, 0.1, 14 },
    };

    private static readonly double[,] P =
    {
        { 0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886 },
        { 0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991 },
        { 0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650 },
        { 0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381 },
    };

    public static double Hartmann6(ReadOnlySpan<double> x)
    {
        double sum = 0;
        for (var i = 0; i < 4; i++)
        {
            double inner = 0;
            for (var j = 0; j < 6; j++)
            {
                var d = x[j] - P[i, j];
                inner += A[i, j] * d * d;
            }
            sum += Alpha[i] * Math.Exp(-inner);
        }
        return -sum;
    }

    public static double Rosenbrock(ReadOnlySpan<double> x)
    {
        double sum = 0;
        for (var i = 0; i + 1 < x.Length; i++)
        {
            var a = x[i + 1] - x[i] * x[i];
            var b = x[i] - 1;
            sum += 100 * a * a + b * b;
        }
        return sum;
    }

    public static double Levy(ReadOnlySpan<double> x)
    {
        static double W(double v) => 1 + (v - 1) / 4;
        static double Sin2(double v) => Math.Sin(v) * Math.Sin(v);
        var d = x.Length;
        var sum = Sin2(Math.PI * W(x[0]));
        for (var i = 0; i + 1 < d; i++)
        {
            var w = W(x[i]);
            sum += (w - 1) * (w - 1) * (1 + 10 * Sin2(Math.PI * w + 1));
        }
        var last = W(x[d - 1]);
        return sum + (last - 1) * (last - 1) * (1 + Sin2(2 * Math.PI * last));
    }
}

/// <summary>
/// A spec's <c>function:</c> — which test function its trials evaluate, in how many dimensions, with
/// what noise (a standard deviation; 0: none), and how long each evaluation takes (<see cref="Seconds"/>:
/// to watch a search on a cluster run as it would with real trials; 0: at once).
/// </summary>
public sealed record FunctionSpec(string Name, int Dimensions, double Noise, double Seconds = 0)
{
    /// <summary>The argument names the grid must give: x1…xd.</summary>
    public IEnumerable<string> Arguments => Enumerable.Range(1, Dimensions).Select(i => $"x{i}");
}
