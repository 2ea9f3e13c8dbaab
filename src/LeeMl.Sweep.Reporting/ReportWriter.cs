using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Experiments.Files;
using LeeMl.Sweep.Reporting.Analysis;
using LeeMl.Sweep.Reporting.Rendering;

namespace LeeMl.Sweep.Reporting;

/// <summary>
/// Writes every report file into a job's folder from what one pass over its results kept
/// (<see cref="ResultPass"/>, which also wrote curves.csv and results.csv): report.md, report.html, report.json (the
/// same as data, for the dashboard), factors.csv and the figures (PNG and SVG). Each file is written whole
/// (temporary file, then rename), so a reader never sees half a report.
/// </summary>
public static class ReportWriter
{
    /// <summary>The reports of <paramref name="set"/> (one pass over the results, which wrote curves.csv and results.csv) and the job's parsed spec, when there is one.</summary>
    public static SweepReport Write(string directory, string name, JobProgress progress, ResultSet set, Experiments.Specs.SweepSpec? spec = null)
    {
        var search = SearchSummary.Of(spec, set) is { } s ? s with { Proposals = progress.Proposals } : null;
        var report = ReportBuilder.Build(name, progress, set) with { Search = search, Objective = spec is { HasParameterCells: true } ? spec.Objective : null };
        if (spec is not null)
        {
            // Along an axis with drawn values every trial is a level of its own: the Search section's importance says what its effect is.
            var sampled = SampledAxes(spec);
            report = report with { Effects = [.. report.Effects.Where(e => !sampled.Contains(e.Factor))], Gaps = [.. report.Gaps.Where(g => !sampled.Contains(g.Factor))] };
        }
        var figures = Plots.All(report, set);
        Directory.CreateDirectory(directory);
        foreach (var f in figures)
        {
            AtomicFile.Write(Path.Combine(directory, f.Name + ".png"), p => File.WriteAllBytes(p, f.Png));
            AtomicFile.Write(Path.Combine(directory, f.Name + ".svg"), p => File.WriteAllText(p, f.Svg));
        }
        AtomicFile.Write(Path.Combine(directory, "factors.csv"), p => File.WriteAllText(p, CsvExport.Factors(report.Effects)));
        AtomicFile.Write(Path.Combine(directory, "report.md"), p => File.WriteAllText(p, MarkdownReport.Render(report, figures)));
        AtomicFile.Write(Path.Combine(directory, "report.html"), p => File.WriteAllText(p, HtmlReport.Render(report, figures)));
        AtomicFile.Write(Path.Combine(directory, "report.json"), p => File.WriteAllBytes(p, JsonReport.Render(report, set.MeanCurves)));
        return report;
    }

    private static HashSet<string> SampledAxes(Experiments.Specs.SweepSpec spec)
    {
        var axes = new HashSet<string>(StringComparer.Ordinal);
        void Add(string axis, IEnumerable<Optim.Hyper.ComponentSpec?> templates)
        {
            if (templates.Any(Experiments.Search.SearchSpec.HasDistribution)) axes.Add(axis);
        }
        Add("model", spec.Models);
        Add("optimizer", spec.Grid.Optimizers);
        Add("schedule", spec.Grid.Schedules);
        Add("warmup", spec.Grid.Warmups);
        Add("noise", spec.Grid.Noises);
        return axes;
    }


}
