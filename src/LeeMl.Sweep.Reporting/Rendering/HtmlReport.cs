using System.Net;
using System.Text;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Reporting.Rendering;

/// <summary>
/// report.html: self-contained — styles inline, figures embedded as data URIs, no outside URLs.
/// A few lines of script record on the page how many figures decoded, which the browser test reads.
/// </summary>
public static class HtmlReport
{
    private static string E(string s) => WebUtility.HtmlEncode(s);

    /// <summary>The page's one script (a content security policy names it by its hash: <see cref="PageScriptHash"/>).</summary>
    public const string PageScript = """

        window.addEventListener('load', function () {
          var images = Array.prototype.slice.call(document.images);
          document.body.setAttribute('data-images', String(images.length));
          document.body.setAttribute('data-images-decoded', String(images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length));
          document.body.setAttribute('data-tables', String(document.querySelectorAll('table').length));
        });

        """;

    /// <summary>The CSP source of <see cref="PageScript"/>: 'sha256-…'.</summary>
    public static string PageScriptHash { get; } = $"'sha256-{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(PageScript)))}'";

    private static void Table(StringBuilder sb, string id, string[] header, IEnumerable<string[]> rows)
    {
        sb.Append($"<table id=\"{id}\"><thead><tr>");
        foreach (var h in header) sb.Append($"<th>{E(h)}</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var r in rows)
        {
            sb.Append(r[0] == "★" ? "<tr class=\"best\">" : "<tr>");
            foreach (var c in r) sb.Append($"<td>{E(c)}</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>\n");
    }

    private static string Search(SweepReport report)
    {
        if (report.Search is not { } search) return "";
        var sb = new StringBuilder("<h2>Search</h2>\n<div id=\"search\">");
        foreach (var line in ReportText.SearchLines(search)) sb.Append($"<p>{E(line)}</p>");
        if (search.Rungs.Count > 0) Table(sb, "rungs", ReportText.RungHeader, search.Rungs.Select(ReportText.RungRow));
        if (search.Parameters.Count > 0) Table(sb, "parameters", ReportText.ParameterHeader, search.Parameters.Select(ReportText.ParameterRow));
        return sb.Append("</div>\n").ToString();
    }

    private static string Figure(Figure f) =>
        $"<figure><img alt=\"{E(f.Title)}\" src=\"data:image/png;base64,{Convert.ToBase64String(f.Png)}\"><figcaption>{E(f.Title)}</figcaption></figure>\n";

    /// <summary>The lecture's question, where the grid compares SGDM with Adam: what the data show, the figures behind it, and its figure.</summary>
    private static string Lecture(SweepReport report, IReadOnlyList<Figure> figures)
    {
        if (report.Lecture is not { } lecture) return "";
        var sb = new StringBuilder($"<h2>Adam on training, SGDM on validation?</h2>\n<p class=\"verdict\" id=\"verdict\">{E(lecture.Sentence)}</p>\n");
        Table(sb, "lecture", ReportText.LectureHeader, ReportText.LectureRows(lecture));
        if (figures.FirstOrDefault(f => f.Name == Plots.LectureFigure) is { } figure) sb.Append(Figure(figure));
        return sb.ToString();
    }

    private static string Failures(SweepReport report)
    {
        if (report.Failures.Count == 0) return "";
        var sb = new StringBuilder($"<h2>Failures</h2>\n<p id=\"failure-summary\">{E(ReportText.FailureSummary(report))}</p>\n");
        Table(sb, "failures", ReportText.FailureHeader, report.Failures.Take(ReportText.FailureRows).Select(ReportText.FailureRow));
        return sb.ToString();
    }

    private static string Metrics(SweepReport report)
    {
        if (report.Metrics.Count == 0) return "";
        var sb = new StringBuilder($"<h2>Metrics the program reported</h2>\n<p id=\"objective\">{E(ReportText.ObjectiveLine(report))}</p>\n");
        Table(sb, "metrics", ReportText.MetricHeader, report.Metrics.Select(ReportText.MetricRow));
        return sb.ToString();
    }

    private static string Switches(SweepReport report)
    {
        if (report.Switches.Trials == 0) return "";
        var sb = new StringBuilder($"<h2>Where SWATS switched to SGD</h2>\n<p id=\"switch-summary\">{E(ReportText.SwitchSummary(report.Switches))}</p>\n");
        Table(sb, "switches", ReportText.SwitchHeader, report.Switches.First.Select(ReportText.SwitchRow));
        return sb.ToString();
    }

    public static string Render(SweepReport report, IReadOnlyList<Figure> figures)
    {
        var sb = new StringBuilder();
        sb.Append($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sweep report: {{E(report.Name)}}</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1280px; padding: 0 1rem; color: #222; }
            h1 { margin-bottom: .2rem; } .status { padding: .6rem 1rem; border-radius: 6px; }
            .status.ok { background: #e8f5e9; } .status.partial { background: #fff8e1; } .status.failed { background: #ffebee; color: #b71c1c; }
            table { border-collapse: collapse; margin: 1rem 0; font-size: .92rem; }
            th, td { border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: right; }
            th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; }
            tr.best td { background: #e3f2fd; font-weight: 600; }
            figure { margin: 1.5rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
            figcaption { color: #555; font-size: .9rem; } .verdict { font-size: 1.05rem; }
            </style></head><body>
            <h1>Sweep report: {{E(report.Name)}}</h1>
            <p class="status {{ReportText.StatusKind(report)}}" id="status">{{E(ReportText.Status(report.Progress, report.Results))}}</p>
            {{Failures(report)}}
            {{Lecture(report, figures)}}
            {{Search(report)}}
            {{Switches(report)}}
            {{Metrics(report)}}
            <h2>Effect of each factor</h2>

            """);
        if (report.Effects.Count == 0) sb.Append("<p>No factor has two levels with finished matched trials yet.</p>\n");
        else
        {
            Table(sb, "factors", ReportText.EffectHeader, report.Effects.Select(e => ReportText.EffectRow(report, e)));
            sb.Append("<ul>");
            foreach (var e in report.Effects) sb.Append($"<li>{E(e.Sentence)}</li>");
            sb.Append("</ul>\n");
        }
        sb.Append("<h2>Cells, best validation accuracy first</h2>\n");
        Table(sb, "cells", ReportText.CellHeader, report.Cells.Take(ReportText.CellRows).Select(ReportText.CellRow));
        sb.Append($"<p>★ marks the cell with the best mean validation accuracy. {E(ReportText.MoreCells(report))}</p>\n<h2>Figures</h2>\n");
        foreach (var f in figures.Where(f => f.Name != Plots.LectureFigure))
            sb.Append(Figure(f));
        sb.Append($"<h2>How to read this</h2>\n<p>{E(ReportText.Method)}</p>\n");
        sb.Append("<script>").Append(PageScript).Append("</script>\n</body></html>\n");
        return sb.ToString();
    }
}
