using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Reporting;

/// <summary>
/// A job folder's reports from the folder alone: results.jsonl, and telemetry.jsonl and spec.yaml
/// when present. The same code renders them on the node that hosts the job, after
/// <c>submit --wait</c> and <c>fetch</c>, and in <c>report DIR</c>, so the files are the same everywhere.
/// </summary>
public static class ReportFolder
{
    public static SweepReport Render(string dir, JobProgress? progress = null)
    {
        var results = ResultRecord.ReadDirectory(dir);
        var specPath = Path.Combine(dir, "spec.yaml");
        var spec = File.Exists(specPath) ? SpecParser.ParseFile(specPath) : null;
        var planned = spec is null ? results.Count : (int)Math.Min(int.MaxValue, TrialPlan.CountOf(spec));
        return ReportWriter.Write(dir, spec?.Name ?? Path.GetFileName(Path.GetFullPath(dir)),
            progress ?? new JobProgress(planned, results.Count, 0, null), results, spec);
    }

    public static string Describe(string dir) => $"report: {Path.Combine(dir, "report.html")} (also report.md, results.csv, curves.csv, plots)";
}
