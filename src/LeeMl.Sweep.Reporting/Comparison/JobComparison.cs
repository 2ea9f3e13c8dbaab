using System.Globalization;
using System.Net;
using System.Text;
using LeeMl.Sweep.Reporting.Analysis;
using LeeMl.Sweep.Reporting.Rendering;

namespace LeeMl.Sweep.Reporting.Comparison;

/// <summary>
/// Several jobs side by side: for each, its trials, its best cell and the lecture's question; then
/// the cells they have in common (the same model and optimizer axes), with each job's train and
/// validation accuracy over its seeds; and where jobs searched (random, Sobol, TPE), each search's
/// best value so far against its trials, side by side. Built from each job's report, read-only.
/// </summary>
public sealed record JobComparison(IReadOnlyList<JobComparison.Job> Jobs, IReadOnlyList<JobComparison.CommonCell> Common)
{
    /// <summary>One job: what it is called here, its report's name, results and planned trials, best cell, and the lecture's answer (null where it does not compare SGDM with Adam).</summary>
    public sealed record Job(string Label, string Name, int Done, int Planned, CellSummary? Best, LectureAnswer? Lecture)
    {
        /// <summary>Its search, when it drew values (null for a grid).</summary>
        public SearchSummary? Search { get; init; }
    }

    /// <summary>The jobs that searched and measured the same thing as the first of them: their best value so far trial by trial.</summary>
    public IReadOnlyList<Job> Searches =>
        Jobs.Where(j => j.Search is { BestByTrial.Count: > 0 }).GroupBy(j => j.Search!.Measure.Label, StringComparer.Ordinal).FirstOrDefault()?.ToList() ?? [];

    /// <summary>The trial counts the Markdown table shows: 1, 2, 5, 10, 20, 50, … up to the longest search, and each search's last.</summary>
    private static IEnumerable<int> Checkpoints(IReadOnlyList<Job> searches)
    {
        var longest = searches.Max(j => j.Search!.BestByTrial.Count);
        var marks = new SortedSet<int>(searches.Select(j => j.Search!.BestByTrial.Count));
        for (long step = 1; step <= longest; step *= 10)
            foreach (var k in new[] { 1, 2, 5 })
                if (step * k <= longest) marks.Add((int)(step * k));
        return marks;
    }

    private static string BestAfter(Job j, int trials) =>
        trials <= j.Search!.BestByTrial.Count ? j.Search.Measure.Text(j.Search.BestByTrial[trials - 1]) : "";

    /// <summary>The search section's words, once for both renderings.</summary>
    private string SearchIntro(IReadOnlyList<Job> searches) =>
        $"Best {searches[0].Search!.Measure.Label} so far after each number of trials, each search in its own order (random and Sobol in index order, TPE in the order it proposed): " +
        string.Join("; ", searches.Select(j => $"{j.Label}: {j.Search!.Method}"));

    /// <summary>A cell every job has: its label (as the first job names it) and each job's summary of it.</summary>
    public sealed record CommonCell(string Cell, string Label, IReadOnlyList<CellSummary> PerJob);

    public static JobComparison Of(IReadOnlyList<(string Label, SweepReport Report)> jobs)
    {
        var list = jobs.Select(j => new Job(j.Label, j.Report.Name, j.Report.Progress.Done, j.Report.Progress.Planned,
            j.Report.Cells.FirstOrDefault(c => c.IsBest), j.Report.Lecture) { Search = j.Report.Search }).ToList();
        var common = new List<CommonCell>();
        if (jobs.Count > 0)
            foreach (var cell in jobs[0].Report.Cells)
            {
                var per = jobs.Select(j => j.Report.Cells.FirstOrDefault(c => c.Cell == cell.Cell)).ToList();
                if (per.All(c => c is not null)) common.Add(new CommonCell(cell.Cell, cell.Label, per!));
            }
        return new JobComparison(list, common);
    }

    public string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine($"# {Jobs.Count} jobs side by side").AppendLine();
        md.AppendLine("| job | name | trials | best cell | its validation % | lecture: Adam − SGDM, train / validation (points) |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var j in Jobs)
            md.AppendLine($"| {Cell(j.Label)} | {Cell(j.Name)} | {j.Done} of {j.Planned} | {Cell(j.Best?.Label ?? "–")} | {(j.Best is { } b ? ReportText.Pct(b.Validation) : "–")} | {Lecture(j)} |");
        md.AppendLine();
        foreach (var j in Jobs.Where(j => j.Lecture is not null)) md.AppendLine($"- {Cell(j.Label)}: {j.Lecture!.Sentence}");
        if (Searches is { Count: > 0 } searches)
        {
            md.AppendLine().AppendLine("## The searches, trial for trial").AppendLine().AppendLine(SearchIntro(searches)).AppendLine();
            md.AppendLine("| trials | " + string.Join(" | ", searches.Select(j => Cell(j.Label))) + " |");
            md.AppendLine("|---|" + string.Concat(searches.Select(_ => "---|")));
            foreach (var k in Checkpoints(searches)) md.AppendLine($"| {k} | " + string.Join(" | ", searches.Select(j => BestAfter(j, k))) + " |");
        }
        md.AppendLine().AppendLine($"## The {Common.Count} cells they have in common").AppendLine();
        if (Common.Count == 0)
        {
            md.AppendLine("None: the jobs share no cell (model and optimizer axes).");
            return md.ToString();
        }
        md.AppendLine("| cell | " + string.Join(" | ", Jobs.Select(j => $"{Cell(j.Label)} train % | validation % | gap")) + " |");
        md.AppendLine("|---|" + string.Concat(Jobs.Select(_ => "---|---|---|")));
        foreach (var c in Common)
            md.AppendLine($"| {Cell(c.Label)} | " + string.Join(" | ", c.PerJob.Select(p => $"{ReportText.Pct(p.Train)} | {ReportText.Pct(p.Validation)} | {ReportText.Pct(p.Gap)}")) + " |");
        return md.ToString();
    }

    public string Html()
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var h = new StringBuilder();
        h.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E($"{Jobs.Count} jobs side by side")).Append("</title>")
         .Append("<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style></head><body>");
        h.Append("<h1>").Append(E($"{Jobs.Count} jobs side by side")).Append("</h1><table id=\"jobs\"><tr><th>job</th><th>name</th><th>trials</th><th>best cell</th><th>its validation %</th><th>lecture: Adam − SGDM, train / validation (points)</th></tr>");
        foreach (var j in Jobs)
            h.Append("<tr><td>").Append(E(j.Label)).Append("</td><td>").Append(E(j.Name)).Append("</td><td>").Append(j.Done).Append(" of ").Append(j.Planned)
             .Append("</td><td>").Append(E(j.Best?.Label ?? "–")).Append("</td><td>").Append(j.Best is { } b ? E(ReportText.Pct(b.Validation)) : "–")
             .Append("</td><td>").Append(E(Lecture(j))).Append("</td></tr>");
        h.Append("</table><ul>");
        foreach (var j in Jobs.Where(j => j.Lecture is not null)) h.Append("<li>").Append(E($"{j.Label}: {j.Lecture!.Sentence}")).Append("</li>");
        h.Append("</ul>");
        if (Searches is { Count: > 0 } searches)
        {
            var figure = Plots.SearchComparison([.. searches.Select(j => (j.Label, j.Search!))]);
            h.Append("<h2>The searches, trial for trial</h2><p>").Append(E(SearchIntro(searches))).Append("</p><figure id=\"compare-search\"><img alt=\"").Append(E(figure.Title))
             .Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(figure.Png)).Append("\"><figcaption>").Append(E(figure.Title)).Append("</figcaption></figure>");
            h.Append("<table id=\"search-progress\"><tr><th>trials</th>");
            foreach (var j in searches) h.Append("<th>").Append(E(j.Label)).Append("</th>");
            h.Append("</tr>");
            foreach (var k in Checkpoints(searches))
            {
                h.Append("<tr><td>").Append(k).Append("</td>");
                foreach (var j in searches) h.Append("<td>").Append(E(BestAfter(j, k))).Append("</td>");
                h.Append("</tr>");
            }
            h.Append("</table>");
        }
        h.Append("<h2>").Append(E($"The {Common.Count} cells they have in common")).Append("</h2><table id=\"common\"><tr><th>cell</th>");
        foreach (var j in Jobs) h.Append("<th>").Append(E(j.Label)).Append(" train %</th><th>validation %</th><th>gap</th>");
        h.Append("</tr>");
        foreach (var c in Common)
        {
            h.Append("<tr><td>").Append(E(c.Label)).Append("</td>");
            foreach (var p in c.PerJob) h.Append("<td>").Append(E(ReportText.Pct(p.Train))).Append("</td><td>").Append(E(ReportText.Pct(p.Validation))).Append("</td><td>").Append(E(ReportText.Pct(p.Gap))).Append("</td>");
            h.Append("</tr>");
        }
        return h.Append("</table></body></html>").ToString();
    }

    private static string Lecture(Job j) => j.Lecture is { } l
        ? $"{l.TrainDifference.Mean.ToString("+0.00;-0.00", CultureInfo.InvariantCulture)} / {l.ValidationDifference.Mean.ToString("+0.00;-0.00", CultureInfo.InvariantCulture)} over {l.Pairs} pairs"
        : "–";

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
