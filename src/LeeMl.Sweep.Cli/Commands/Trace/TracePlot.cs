using LeeMl.Sweep.Optim.Problems;
using ScottPlot;

namespace LeeMl.Sweep.Cli.Commands.Trace;

/// <summary>
/// Draws every path over the loss surface: log-scaled loss as a heat map with contour lines, one
/// coloured line per optimizer, the start and the minimum marked — the lecture's picture of
/// SGDM overshooting and Adam adapting.
/// </summary>
public static class TracePlot
{
    private static readonly IReadOnlyDictionary<string, (double X, double Y)> Minima = new Dictionary<string, (double, double)>
    {
        ["rosenbrock"] = (1, 1),
        ["beale"] = (3, 0.5),
        ["quadratic"] = (0, 0),
        ["saddle"] = (0, 0),
    };

    public static void Save(string path, ITestProblem problem, IReadOnlyList<Trajectory> paths, double[] start)
    {
        var (xMin, xMax, yMin, yMax) = Domain(problem, paths, start);
        const int n = 160;
        var z = new double[n, n];
        var grid = new Coordinates3d[n, n];
        var p = new double[2];
        var floor = double.PositiveInfinity;
        for (var r = 0; r < n; r++)
            for (var c = 0; c < n; c++)
            {
                p[0] = xMin + (xMax - xMin) * c / (n - 1);
                p[1] = yMax - (yMax - yMin) * r / (n - 1);   // heat map row 0 is the top edge
                z[r, c] = problem.Loss(p);
                floor = Math.Min(floor, z[r, c]);
            }
        for (var r = 0; r < n; r++)
            for (var c = 0; c < n; c++)
            {
                z[r, c] = Math.Log10(1 + z[r, c] - floor);   // log scale: valleys stay visible
                grid[r, c] = new Coordinates3d(xMin + (xMax - xMin) * c / (n - 1), yMax - (yMax - yMin) * r / (n - 1), z[r, c]);
            }

        var plot = new Plot();
        var heat = plot.Add.Heatmap(z);
        heat.Extent = new CoordinateRect(xMin, xMax, yMin, yMax);
        heat.Colormap = new ScottPlot.Colormaps.Viridis();
        heat.Opacity = 0.55;
        var bar = plot.Add.ColorBar(heat);
        bar.Label = "log10(1 + loss − min loss on the grid)";
        var contours = plot.Add.ContourLines(grid, 14);
        contours.LineColor = Colors.White.WithAlpha(0.6);
        contours.LabelStyle.IsVisible = false;

        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < paths.Count; i++)
        {
            var t = paths[i];
            var line = plot.Add.ScatterLine(t.Points.Select(q => q.X).ToArray(), t.Points.Select(q => q.Y).ToArray(), palette.GetColor(i));
            line.LineWidth = 2;
            line.MarkerSize = 3;
            line.LegendText = t.DivergedAt is { } d ? $"{t.Name} (diverged at step {d})" : t.Name;
        }
        var startMarker = plot.Add.Marker(start[0], start[1], MarkerShape.FilledCircle, 10, Colors.Black);
        startMarker.LegendText = "start";
        if (Minima.TryGetValue(problem.Name, out var m))
        {
            var minMarker = plot.Add.Marker(m.X, m.Y, MarkerShape.FilledDiamond, 12, Colors.Red);
            minMarker.LegendText = problem.Name == "saddle" ? "saddle point" : "minimum";
        }

        plot.Title($"{problem.Name}: optimizer paths over {paths.Max(t => t.Points.Count) - 1} steps");
        plot.XLabel("x (parameter 1)");
        plot.YLabel("y (parameter 2)");
        plot.Axes.SetLimits(xMin, xMax, yMin, yMax);
        plot.ShowLegend(Edge.Bottom);   // outside the axes: never hides a path or the start
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
            Experiments.Files.AtomicFile.Write(path, temp => plot.SaveSvg(temp, 1000, 760));
        else
            Experiments.Files.AtomicFile.Write(path, temp => plot.SavePng(temp, 1000, 760));
    }

    /// <summary>The box around every path, the start and the minimum, padded, and kept sane when a path runs away.</summary>
    private static (double, double, double, double) Domain(ITestProblem problem, IReadOnlyList<Trajectory> paths, double[] start)
    {
        var xs = paths.SelectMany(t => t.Points.Select(q => q.X)).Append(start[0]).ToList();
        var ys = paths.SelectMany(t => t.Points.Select(q => q.Y)).Append(start[1]).ToList();
        if (Minima.TryGetValue(problem.Name, out var m)) { xs.Add(m.X); ys.Add(m.Y); }
        var anchorSpan = Math.Max(Math.Abs(start[0] - (m.X)) + Math.Abs(start[1] - m.Y), 1);
        double Clamp(double v, double centre) => Math.Clamp(v, centre - 10 * anchorSpan, centre + 10 * anchorSpan);
        double xLo = Clamp(xs.Min(), start[0]), xHi = Clamp(xs.Max(), start[0]);
        double yLo = Clamp(ys.Min(), start[1]), yHi = Clamp(ys.Max(), start[1]);
        double padX = Math.Max((xHi - xLo) * 0.12, 0.1), padY = Math.Max((yHi - yLo) * 0.12, 0.1);
        return (xLo - padX, xHi + padX, yLo - padY, yHi + padY);
    }
}
