namespace LeeMl.Sweep.Optim.Problems;

/// <summary>An objective with an analytic gradient, for watching optimizers move.</summary>
public interface ITestProblem
{
    string Name { get; }

    int Dimension { get; }

    double Loss(ReadOnlySpan<double> x);

    void Gradient(ReadOnlySpan<double> x, Span<double> gradient);
}
