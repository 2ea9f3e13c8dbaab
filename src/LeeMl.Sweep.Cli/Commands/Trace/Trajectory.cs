using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Problems;

namespace LeeMl.Sweep.Cli.Commands.Trace;

/// <summary>One point of a path: the parameters before step <c>Step</c>, their loss, and the rate that step uses.</summary>
public readonly record struct PathPoint(int Step, double LearningRate, double Loss, double X, double Y);

/// <summary>The path one optimizer takes from the start; it stops early if the loss leaves the finite numbers.</summary>
public sealed record Trajectory(string Name, IReadOnlyList<PathPoint> Points, int? DivergedAt)
{
    public static Trajectory Run(string name, ITestProblem problem, Updater updater, double[] start, int steps)
    {
        var x = (double[])start.Clone();
        var g = new double[x.Length];
        var points = new List<PathPoint>(steps + 1);
        for (var i = 0; i <= steps; i++)
        {
            var loss = problem.Loss(x);
            if (!double.IsFinite(loss) || !double.IsFinite(x[0]) || !double.IsFinite(x[1]))
                return new Trajectory(name, points, i);
            points.Add(new PathPoint(i, i < steps ? updater.LearningRate : double.NaN, loss, x[0], x[1]));
            if (i == steps) break;
            problem.Gradient(x, g);
            updater.Apply(x, g);
        }
        return new Trajectory(name, points, null);
    }
}
