using System.Text;
using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Reporting.Analysis;
using ScottPlot;

namespace LeeMl.Sweep.Reporting.Rendering;

/// <summary>One figure, in both formats.</summary>
public sealed record Figure(string Name, string Title, byte[] Png, string Svg);

/// <summary>
/// The report's figures (ScottPlot, PNG and SVG): learning curves per cell as small multiples,
/// train vs validation accuracy per cell with error bars, the gap per factor level, and the
/// learning rate each schedule actually used, as each epoch recorded it.
/// </summary>
public static partial class Plots
{
    private static readonly Color TrainColor = Color.FromHex("#1f77b4");
    private static readonly Color ValidationColor = Color.FromHex("#ff7f0e");

    /// <summary>At most this many cells in the per-cell figures, and lines in the learning-rate figure: the best by validation accuracy (the tables and CSV files have the rest).</summary>
    public const int CurveCells = ResultPass.CurveCells, BarCells = 40, RateLines = ResultPass.RateLines;

    /// <summary>The figures of <paramref name="report"/>, with the curves its one pass over the results kept.</summary>
    public static IReadOnlyList<Figure> All(SweepReport report, ResultSet set)
    {
        var curves = set.MeanCurves;
        // Each figure has its own Plot and canvas: render them side by side, keep the order.
        Func<Figure?>[] makers =
        [
            () => report.Lecture is { Pairs: > 0 } lecture ? LectureBars(lecture) : null,
            () => report.Cells.Any(c => c.Completed > 0) ? AccuracyBars(report) : null,
            () => LearningCurves(report, curves),
            () => report.Gaps.Count > 0 ? GapByFactor(report) : null,
            () => LearningRates(report, set.Rates),
            () => report.Search is { Progress.Count: > 1 } search ? SearchProgress(search) : null,
            () => report.Search is { Parameters.Count: > 0 } search ? SearchParameters(search) : null,
        ];
        var figures = new Figure?[makers.Length];
        Parallel.For(0, makers.Length, i => figures[i] = makers[i]());
        return [.. figures.OfType<Figure>()];
    }

    /// <summary>
    /// Draws a small figure of each kind (bars with error bars, lines, a legend, a grid of plots) and
    /// throws it away, so that the fonts, the drawing library and this code are loaded before the
    /// first real report. <c>run</c> calls it on a core that start-up leaves idle.
    /// </summary>
    public static void WarmUp()
    {
        var bars = new Plot();
        bars.Add.Bars(new List<Bar> { new() { Position = 1, Value = 90, Error = 1, FillColor = TrainColor } }).Horizontal = true;
        bars.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([new Tick(1, "cell")]);
        bars.Title("warm-up");
        bars.XLabel("accuracy (%)");
        bars.Legend.ManualItems.Add(new LegendItem { LabelText = "train", FillColor = TrainColor });
        bars.ShowLegend(Edge.Bottom);
        var lines = new Plot();
        lines.Add.Scatter(new double[] { 1, 2, 3 }, new double[] { 80, 85, 90 }).LegendText = "validation";
        lines.YLabel("accuracy (%)");
        lines.ShowLegend(Edge.Right);
        _ = Single("warm-up", "", bars, 160, 120);
        _ = Grid("warm-up", "", [lines, new Plot()], 2, 160, 120);
    }

    private static Figure Single(string name, string title, Plot plot, int width, int height) =>
        new(name, title, Png(plot.GetImage(width, height)), StableIds(plot.GetSvgXml(width, height)));

    /// <summary>
    /// A drawn figure as PNG: the very pixels the drawing library drew, compressed with one cheap
    /// filter and zlib's fastest level. Its own encoder tries every filter on every row at level 6:
    /// files about a fifth smaller, at about five times the time, which every report paid for.
    /// </summary>
    internal static byte[] Png(ScottPlot.Image image)
    {
        using (image)
        {
            using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(image.Width, image.Height, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Premul))
                ?? throw new InvalidOperationException($"no {image.Width} × {image.Height} canvas for a figure");
            using (var paint = Paint.NewDisposablePaint())
                image.Render(surface.Canvas, new PixelRect(0, image.Width, image.Height, 0), paint, false);   // one to one: a copy
            using var pixels = surface.PeekPixels();
            using var png = pixels.Encode(new SkiaSharp.SKPngEncoderOptions(SkiaSharp.SKPngEncoderFilterFlags.Up, 1))
                ?? throw new InvalidOperationException("a figure could not be written as PNG");
            return png.ToArray();
        }
    }

    /// <summary>Several plots on one canvas; the SVG nests each subplot's own SVG at its place.</summary>
    private static Figure Grid(string name, string title, IReadOnlyList<Plot> plots, int columns, int cellWidth, int cellHeight)
    {
        var rows = (plots.Count + columns - 1) / columns;
        var multiplot = new Multiplot(plots[0]);   // a Multiplot starts with one plot: make it ours
        foreach (var p in plots.Skip(1)) multiplot.AddPlot(p);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        var width = columns * cellWidth;
        var height = rows * cellHeight;
        var png = Png(multiplot.Render(width, height));
        var svg = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">");
        for (var i = 0; i < plots.Count; i++)
        {
            var inner = plots[i].GetSvgXml(cellWidth, cellHeight);
            var open = inner.IndexOf("<svg", StringComparison.Ordinal);
            inner = inner[open..].Insert(4, $" x=\"{i % columns * cellWidth}\" y=\"{i / columns * cellHeight}\"");
            svg.Append(inner);
        }
        svg.Append("</svg>");
        return new Figure(name, title, png, StableIds(svg.ToString()));
    }

    /// <summary>
    /// The drawing library numbers an SVG's clip paths from one counter for the whole process, so
    /// the same figure got other numbers after other figures (and as figures drawn side by side
    /// took turns). Renumbered in the order they appear, the same figure is the same bytes.
    /// </summary>
    internal static string StableIds(string svg)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        return ClipId().Replace(svg, m =>
        {
            if (!ids.TryGetValue(m.Value, out var id)) ids[m.Value] = id = $"cl_{ids.Count}";
            return id;
        });
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<=id=""|url\(#)cl_[0-9a-f]+\b")]
    private static partial System.Text.RegularExpressions.Regex ClipId();

    /// <summary>The name of the lecture's figure, which the reports show with the lecture's question.</summary>
    public const string LectureFigure = "lecture-question";

    /// <summary>Train and validation accuracy of SGDM and of Adam over the matched pairs, with 95 % intervals.</summary>
    private static Figure LectureBars(LectureAnswer l)
    {
        var plot = new Plot();
        var sgdm = Color.FromHex("#2ca02c");
        var adam = Color.FromHex("#9467bd");
        static double Half(Estimate e) => double.IsNaN(e.HalfWidth) ? 0 : e.HalfWidth;
        plot.Add.Bars(new List<Bar>
        {
            new() { Position = 0.8, Size = 0.38, Value = l.SgdmTrain.Mean, Error = Half(l.SgdmTrain), FillColor = sgdm },
            new() { Position = 1.2, Size = 0.38, Value = l.AdamTrain.Mean, Error = Half(l.AdamTrain), FillColor = adam },
            new() { Position = 2.8, Size = 0.38, Value = l.SgdmValidation.Mean, Error = Half(l.SgdmValidation), FillColor = sgdm },
            new() { Position = 3.2, Size = 0.38, Value = l.AdamValidation.Mean, Error = Half(l.AdamValidation), FillColor = adam },
        });
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([new Tick(1, "training"), new Tick(3, "validation")]);
        var values = new[] { l.SgdmTrain, l.AdamTrain, l.SgdmValidation, l.AdamValidation }.Where(e => !double.IsNaN(e.Mean)).ToList();
        var lowest = values.Count == 0 ? 0 : values.Min(e => e.Mean - Half(e));
        var highest = values.Count == 0 ? 100 : values.Max(e => e.Mean + Half(e));
        plot.Axes.SetLimitsY(Math.Max(0, Math.Floor(lowest) - 2), Math.Min(100, Math.Ceiling(highest) + 1));
        plot.Axes.SetLimitsX(0, 4);
        plot.YLabel("accuracy (%)");
        plot.Title($"{l.Sgdm} vs {l.Adam} over {l.Pairs} matched pairs");
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = l.Sgdm, FillColor = sgdm });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = l.Adam, FillColor = adam });
        plot.ShowLegend(Edge.Right);
        return Single(LectureFigure, $"Training and validation accuracy of {l.Sgdm} and {l.Adam} over the same cells and seeds (95 % intervals)", plot, 720, 420);
    }

    private static Figure AccuracyBars(SweepReport report)
    {
        var plot = new Plot();
        var shown = report.Cells.Where(c => c.Completed > 0).ToList();
        var cells = shown.Take(BarCells).ToList();
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        for (var i = 0; i < cells.Count; i++)
        {
            var c = cells[i];
            var y = (cells.Count - 1 - i) * 3.0;   // the best cell on top
            bars.Add(new Bar { Position = y + 0.5, Value = c.Train.Mean, Error = c.Train.Sd, FillColor = TrainColor });
            bars.Add(new Bar { Position = y - 0.5, Value = c.Validation.Mean, Error = c.Validation.Sd, FillColor = ValidationColor });
            ticks.Add(new Tick(y, (c.IsBest ? "best: " : "") + c.Label));   // the plot font has no ★
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        var lowest = cells.Min(c => Math.Min(c.Train.Mean - c.Train.Sd, c.Validation.Mean - c.Validation.Sd));
        plot.Axes.SetLimitsX(Math.Max(0, Math.Floor(lowest / 5) * 5 - 5), 100);
        plot.Axes.SetLimitsY(-1.5, cells.Count * 3 - 1.5);
        plot.XLabel("accuracy (%), mean ± sd over seeds");
        plot.Title(shown.Count > cells.Count ? $"Train vs validation accuracy: the best {cells.Count} of {shown.Count} cells" : "Train vs validation accuracy per cell");
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "train", FillColor = TrainColor });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "validation", FillColor = ValidationColor });
        plot.ShowLegend(Edge.Bottom);
        return Single("accuracy-bars", shown.Count > cells.Count
            ? $"Train vs validation accuracy: the best {cells.Count} of {shown.Count} cells (mean ± sd over seeds)"
            : "Train vs validation accuracy per cell (mean ± sd over seeds)", plot, 1200, 140 + 36 * cells.Count);
    }

    /// <summary>The cells whose learning curves are drawn: the best trained cells that have a mean curve (<see cref="ResultPass"/> keeps the best <see cref="CurveCells"/>).</summary>
    public static List<CellSummary> CurveCellsOf(SweepReport report, IReadOnlyDictionary<string, MeanCurve> curves) =>
        [.. report.Cells.Where(c => !c.IsBaseline && c.Completed > 0 && curves.ContainsKey(c.Cell)).Take(CurveCells)];

    private static Figure? LearningCurves(SweepReport report, IReadOnlyDictionary<string, MeanCurve> curves)
    {
        var cells = CurveCellsOf(report, curves);
        var all = cells.SelectMany(c => curves[c.Cell].Train.Concat(curves[c.Cell].Validation)).Where(double.IsFinite).ToList();
        if (all.Count == 0) return null;
        double low = Math.Floor(all.Min() / 5) * 5, high = Math.Min(100, Math.Ceiling(all.Max() / 5) * 5);
        var plots = new List<Plot>();
        foreach (var c in cells)
        {
            var curve = curves[c.Cell];
            double[] x = [.. Enumerable.Range(1, curve.Train.Length).Select(e => (double)e)];
            var p = new Plot();
            var train = p.Add.ScatterLine(x, curve.Train, TrainColor);
            train.LegendText = "train";
            var val = p.Add.ScatterLine(x, curve.Validation, ValidationColor);
            val.LegendText = "validation";
            p.Title((c.IsBest ? "best: " : "") + c.Label, size: 11);
            p.XLabel("epoch", size: 10);
            p.YLabel("accuracy (%)", size: 10);
            p.Axes.SetLimitsY(low, high);
            p.ShowLegend(Alignment.LowerRight);
            p.Legend.FontSize = 9;
            plots.Add(p);
        }
        var trained = report.Cells.Count(c => !c.IsBaseline && c.Completed > 0);
        return Grid("learning-curves", trained > plots.Count
            ? $"Learning curves of the best {plots.Count} of {trained} trained cells: train and validation accuracy by epoch (mean over seeds)"
            : "Learning curves per cell: train and validation accuracy by epoch (mean over seeds)", plots, 4, 380, 260);
    }

    private static Figure GapByFactor(SweepReport report)
    {
        var plots = new List<Plot>();
        foreach (var factor in report.Gaps.GroupBy(g => g.Factor))
        {
            var p = new Plot();
            var levels = factor.ToList();
            var bars = levels.Select((g, i) => new Bar { Position = i, Value = g.Gap.Mean, Error = double.IsNaN(g.Gap.HalfWidth) ? 0 : g.Gap.HalfWidth, FillColor = Color.FromHex("#2ca02c") }).ToArray();
            p.Add.Bars(bars);
            p.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                [.. levels.Select((g, i) => new Tick(i, ReportBuilder.Display(report.ShortNames, g.Factor, g.Level)))]);
            p.Axes.Bottom.MajorTickStyle.Length = 0;
            p.Title($"{ReportBuilder.AxisTitle(factor.Key)}: train − validation gap", size: 12);
            p.YLabel("gap (points), mean ± 95 % CI", size: 10);
            p.Axes.Margins(bottom: 0);
            plots.Add(p);
        }
        return Grid("gap-by-factor", "Generalisation gap (train − validation accuracy) per factor level", plots, 2, 560, 320);
    }

    /// <summary>The learning rate each optimizer × schedule × warm-up gave, as the epochs of its best cell's first trial recorded it.</summary>
    private static Figure? LearningRates(SweepReport report, IReadOnlyList<RateCurve> rates)
    {
        if (rates.Count == 0) return null;
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var i = 0;
        foreach (var r in rates)
        {
            var line = plot.Add.ScatterLine(r.Steps.Select(s => (double)s).ToArray(), r.Rates, palette.GetColor(i++));
            line.LegendText = string.Join(" · ", new[] { ReportBuilder.Display(report.ShortNames, "optimizer", r.Optimizer),
                ReportBuilder.Display(report.ShortNames, "schedule", r.Schedule), ReportBuilder.Display(report.ShortNames, "warmup", r.Warmup) });
            line.LineWidth = 1.5f;
        }
        plot.Title("Learning rate each schedule used, at the end of each epoch");
        plot.XLabel("optimizer step");
        plot.YLabel("learning rate");
        plot.ShowLegend(Edge.Right);
        return Single("learning-rates", "Learning rate at the end of each epoch for each optimizer × schedule × warm-up (as the trials recorded it)", plot, 1200, 520);
    }

    /// <summary>Several searches' best value so far against trials, one line each (each search in its own order: index order; TPE's proposal order).</summary>
    public static Figure SearchComparison(IReadOnlyList<(string Label, SearchSummary Search)> searches)
    {
        var plot = new Plot();
        var m = searches[0].Search.Measure;
        foreach (var (label, search) in searches)
        {
            var line = plot.Add.ScatterLine(Enumerable.Range(1, search.BestByTrial.Count).Select(i => (double)i).ToArray(), search.BestByTrial.Select(search.Measure.Show).ToArray());
            line.LineWidth = 2;
            line.LegendText = label;
        }
        plot.Title($"Best {m.Label} so far against trials");
        plot.XLabel("trials (each search in its own order)");
        plot.YLabel("best " + m.Axis);
        plot.ShowLegend(Edge.Right);
        return Single("compare-search", $"Each search's best {m.Label} so far against its trials", plot, 1000, 420);
    }

    /// <summary>The best value so far against the epochs trained so far, trials in index order (TPE: against trials, in the order it proposed them).</summary>
    private static Figure SearchProgress(SearchSummary search)
    {
        var plot = new Plot();
        var m = search.Measure;
        var line = plot.Add.ScatterLine(search.Progress.Select(p => (double)p.Epochs).ToArray(), search.Progress.Select(p => m.Show(p.Best)).ToArray(), ValidationColor);
        line.LineWidth = 2;
        var against = search.ProgressByTrials ? "trials" : "epochs trained";
        plot.Title($"Best {m.Label} so far against {against}");
        plot.XLabel(search.ProgressByTrials ? "trials (in the order the search proposed them)" : "epochs trained (trials in index order)");
        plot.YLabel("best " + m.Axis);
        return Single("search-progress", $"The search: best {m.Label} so far against the {against}", plot, 1000, 420);
    }

    /// <summary>Validation accuracy against each sampled parameter (a log axis for log-uniform ones), with its importance.</summary>
    private static Figure SearchParameters(SearchSummary search)
    {
        var plots = new List<Plot>();
        foreach (var parameter in search.Parameters.Take(12))
        {
            var p = new Plot();
            var numeric = parameter.Points.All(x => double.IsFinite(x.Value)) && parameter.Distribution is not Optim.Hyper.Distribution.Choice { Options: [Optim.Hyper.ParamValue.Text, ..] };
            var options = parameter.Points.Select(x => x.Text).Distinct().Order(StringComparer.Ordinal).ToList();
            double X((double Value, string Text, double Validation, string Key) x) => !numeric ? options.IndexOf(x.Text) : parameter.LogScale ? Math.Log10(x.Value) : x.Value;
            var scatter = p.Add.ScatterPoints(parameter.Points.Select(X).ToArray(), parameter.Points.Select(x => search.Measure.Show(x.Validation)).ToArray(), TrainColor);
            scatter.MarkerSize = 5;
            if (!numeric)
                p.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. options.Select((o, i) => new Tick(i, o))]);
            else if (parameter.LogScale)
                p.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => Math.Pow(10, v).ToString("G3", System.Globalization.CultureInfo.InvariantCulture) };
            p.Title($"{parameter.Label} (importance {SearchSummary.Percent(parameter.Importance)})", size: 11);
            p.XLabel(parameter.LogScale ? "value (log scale)" : "value", size: 10);
            p.YLabel(search.Measure.Axis, size: 10);
            plots.Add(p);
        }
        var label = search.Measure.Label;
        return Grid("search-parameters", $"{char.ToUpperInvariant(label[0])}{label[1..]} against each sampled parameter, with the share of its variance the parameter explains", plots, 3, 420, 300);
    }
}
