namespace LeeMl.Sweep.Optim.Problems;

/// <summary>The 2-D surfaces by name (the logistic problem needs data and is built from it).</summary>
public static class TestProblems
{
    public static readonly IReadOnlyList<string> SurfaceNames = ["rosenbrock", "beale", "quadratic", "saddle"];

    public static ITestProblem Surface(string name) => name switch
    {
        "rosenbrock" => new Rosenbrock(),
        "beale" => new Beale(),
        "quadratic" => new Quadratic(),
        "saddle" => new Saddle(),
        _ => throw new Hyper.HyperparameterException($"unknown problem '{name}'; known: {string.Join(", ", SurfaceNames)}"),
    };
}
