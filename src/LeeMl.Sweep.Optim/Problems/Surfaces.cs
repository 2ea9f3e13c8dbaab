namespace LeeMl.Sweep.Optim.Problems;

/// <summary>(1−x)² + 100(y−x²)²: a curved valley, minimum at (1, 1).</summary>
public sealed class Rosenbrock : ITestProblem
{
    public string Name => "rosenbrock";
    public int Dimension => 2;

    public double Loss(ReadOnlySpan<double> p)
    {
        double x = p[0], y = p[1];
        return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
    }

    public void Gradient(ReadOnlySpan<double> p, Span<double> g)
    {
        double x = p[0], y = p[1];
        g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
        g[1] = 200 * (y - x * x);
    }
}

/// <summary>Beale's function: flat plateaus and steep walls, minimum at (3, 0.5).</summary>
public sealed class Beale : ITestProblem
{
    public string Name => "beale";
    public int Dimension => 2;

    private static (double A, double B, double C) Terms(double x, double y) =>
        (1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y * y * y);

    public double Loss(ReadOnlySpan<double> p)
    {
        var (a, b, c) = Terms(p[0], p[1]);
        return a * a + b * b + c * c;
    }

    public void Gradient(ReadOnlySpan<double> p, Span<double> g)
    {
        double x = p[0], y = p[1];
        var (a, b, c) = Terms(x, y);
        g[0] = 2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y * y * y - 1);
        g[1] = 2 * a * x + 4 * b * x * y + 6 * c * x * y * y;
    }
}

/// <summary>½(x² + 10y²): an ill-conditioned bowl where plain gradient descent zig-zags.</summary>
public sealed class Quadratic : ITestProblem
{
    public string Name => "quadratic";
    public int Dimension => 2;
    public double Loss(ReadOnlySpan<double> p) => 0.5 * (p[0] * p[0] + 10 * p[1] * p[1]);

    public void Gradient(ReadOnlySpan<double> p, Span<double> g)
    {
        g[0] = p[0];
        g[1] = 10 * p[1];
    }
}

/// <summary>x² − y²: a saddle point at the origin, unbounded below along y.</summary>
public sealed class Saddle : ITestProblem
{
    public string Name => "saddle";
    public int Dimension => 2;
    public double Loss(ReadOnlySpan<double> p) => p[0] * p[0] - p[1] * p[1];

    public void Gradient(ReadOnlySpan<double> p, Span<double> g)
    {
        g[0] = 2 * p[0];
        g[1] = -2 * p[1];
    }
}
