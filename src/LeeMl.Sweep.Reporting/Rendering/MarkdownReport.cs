using System.Text;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Reporting.Rendering;

/// <summary>report.md: the same content as report.html, with the figures as files beside it.</summary>
public static class MarkdownReport
{
    /// <summary>Text that may come from data (an error message quoting a file, a label): no HTML a viewer would render, no table break.</summary>
    private static string M(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Row(IEnumerable<string> cells) => "| " + string.Join(" | ", cells.Select(c => M(c).Replace("|", "\\|"))) + " |\n";

    public static string Render(SweepReport report, IReadOnlyList<Figure> figures)
    {
        var sb = new StringBuilder($"# Sweep report: {M(report.Name)}\n\n");
        sb.Append($"**Status:** {ReportText.Status(report.Progress, report.Results)}\n\n");
        if (report.Failures.Count > 0)
        {
            sb.Append("## Failures\n\n").Append(M(ReportText.FailureSummary(report))).Append("\n\n");
            sb.Append(Row(ReportText.FailureHeader)).Append(Row(ReportText.FailureHeader.Select(_ => "---")));
            foreach (var f in report.Failures.Take(ReportText.FailureRows)) sb.Append(Row(ReportText.FailureRow(f)));
            sb.Append('\n');
        }
        if (report.Lecture is { } lecture)
        {
            sb.Append("## Adam on training, SGDM on validation?\n\n").Append(M(lecture.Sentence)).Append("\n\n");
            sb.Append(Row(ReportText.LectureHeader)).Append(Row(ReportText.LectureHeader.Select(_ => "---")));
            foreach (var row in ReportText.LectureRows(lecture)) sb.Append(Row(row));
            sb.Append('\n');
            if (figures.FirstOrDefault(f => f.Name == Plots.LectureFigure) is { } figure) sb.Append($"![{figure.Title}]({figure.Name}.png) ([SVG]({figure.Name}.svg))\n\n");
        }
        if (report.Search is { } search)
        {
            sb.Append("## Search\n\n");
            foreach (var line in ReportText.SearchLines(search)) sb.Append(M(line)).Append("\n\n");
            if (search.Rungs.Count > 0)
            {
                sb.Append(Row(ReportText.RungHeader)).Append(Row(ReportText.RungHeader.Select(_ => "---")));
                foreach (var r in search.Rungs) sb.Append(Row(ReportText.RungRow(r)));
                sb.Append('\n');
            }
            if (search.Parameters.Count > 0)
            {
                sb.Append(Row(ReportText.ParameterHeader)).Append(Row(ReportText.ParameterHeader.Select(_ => "---")));
                foreach (var p in search.Parameters) sb.Append(Row(ReportText.ParameterRow(p)));
                sb.Append('\n');
            }
        }
        if (report.Switches.Trials > 0)
        {
            sb.Append("## Where SWATS switched to SGD\n\n").Append(M(ReportText.SwitchSummary(report.Switches))).Append("\n\n");
            sb.Append(Row(ReportText.SwitchHeader)).Append(Row(ReportText.SwitchHeader.Select(_ => "---")));
            foreach (var r in report.Switches.First) sb.Append(Row(ReportText.SwitchRow(r)));
            sb.Append('\n');
        }
        if (report.Metrics.Count > 0)
        {
            sb.Append("## Metrics the program reported\n\n").Append(M(ReportText.ObjectiveLine(report))).Append("\n\n");
            sb.Append(Row(ReportText.MetricHeader)).Append(Row(ReportText.MetricHeader.Select(_ => "---")));
            foreach (var m in report.Metrics) sb.Append(Row(ReportText.MetricRow(m)));
            sb.Append('\n');
        }
        sb.Append("## Effect of each factor\n\n");
        if (report.Effects.Count == 0) sb.Append("No factor has two levels with finished matched trials yet.\n\n");
        else
        {
            sb.Append(Row(ReportText.EffectHeader)).Append(Row(ReportText.EffectHeader.Select(_ => "---")));
            foreach (var e in report.Effects) sb.Append(Row(ReportText.EffectRow(report, e)));
            sb.Append('\n');
            foreach (var e in report.Effects) sb.Append("- ").Append(M(e.Sentence)).Append('\n');
            sb.Append('\n');
        }
        sb.Append("## Cells, best validation accuracy first\n\n");
        sb.Append(Row(ReportText.CellHeader)).Append(Row(ReportText.CellHeader.Select(_ => "---")));
        foreach (var c in report.Cells.Take(ReportText.CellRows)) sb.Append(Row(ReportText.CellRow(c)));
        sb.Append($"\n★ marks the cell with the best mean validation accuracy. {ReportText.MoreCells(report)}\n\n");
        sb.Append("## Figures\n\n");
        foreach (var f in figures.Where(f => f.Name != Plots.LectureFigure)) sb.Append($"### {f.Title}\n\n![{f.Title}]({f.Name}.png) ([SVG]({f.Name}.svg))\n\n");
        sb.Append("## How to read this\n\n").Append(ReportText.Method).Append("\n\nFiles: results.jsonl (canonical results), results.csv, curves.csv, factors.csv.\n");
        return sb.ToString();
    }
}
