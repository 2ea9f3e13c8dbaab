using LeeMl.Sweep.Experiments.Files;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Reporting;

/// <summary>
/// A job folder's reports: from the folder alone (results.jsonl, and telemetry.jsonl and spec.yaml
/// when present), or from a job's results as they are written into it. The same code renders them
/// on the node that hosts the job, after <c>submit --wait</c> and <c>fetch</c>, and in
/// <c>report DIR</c>, so the files are the same everywhere. Either way the results are read once.
/// </summary>
public static class ReportFolder
{
    /// <summary>Renders from the folder's files; <paramref name="spec"/>, when the caller has it parsed already, stands for spec.yaml.</summary>
    public static SweepReport Render(string dir, JobProgress? progress = null, SweepSpec? spec = null)
    {
        var specPath = Path.Combine(dir, "spec.yaml");
        spec ??= File.Exists(specPath) ? SpecParser.ParseFile(specPath) : null;
        var telemetry = new Dictionary<string, TrialTelemetry>(StringComparer.Ordinal);
        var telemetryPath = Path.Combine(dir, "telemetry.jsonl");
        if (File.Exists(telemetryPath))
            foreach (var line in File.ReadLines(telemetryPath).Where(l => l.Length > 0))
            {
                var t = ResultJson.ParseTelemetry(line);
                telemetry[t.Key] = t;
            }
        var resultsPath = Path.Combine(dir, "results.jsonl");
        var set = Pass(dir, pass =>
        {
            if (!File.Exists(resultsPath)) return;
            foreach (var line in File.ReadLines(resultsPath).Where(l => l.Length > 0))
            {
                var r = ResultJson.Parse(line);
                pass.Add(r, telemetry.GetValueOrDefault(r.Key));
            }
        });
        return Write(dir, spec, progress, set);
    }

    /// <summary>
    /// Renders while <paramref name="feed"/> writes the job's results into the folder: it calls back
    /// with each result and telemetry line, in key order, which the reports read as they pass.
    /// </summary>
    public static async Task<SweepReport> RenderAsWritten(string dir, SweepSpec spec, JobProgress progress, Func<Action<string, string>, Task> feed)
    {
        ResultSet? set = null;
        Directory.CreateDirectory(dir);
        await AtomicFile.WriteAsync(Path.Combine(dir, "curves.csv"), async w =>
        {
            var pass = new ResultPass(w);
            await feed((result, telemetry) => pass.Add(ResultJson.Parse(result), ResultJson.ParseTelemetry(telemetry)));
            set = pass.Finish();
        });
        return Write(dir, spec, progress, set!);
    }

    public static string Describe(string dir) => $"report: {Path.Combine(dir, "report.html")} (also report.md, results.csv, curves.csv, plots)";

    private static ResultSet Pass(string dir, Action<ResultPass> read)
    {
        ResultSet? set = null;
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAsync(Path.Combine(dir, "curves.csv"), w =>
        {
            var pass = new ResultPass(w);
            read(pass);
            set = pass.Finish();
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();
        return set!;
    }

    private static SweepReport Write(string dir, SweepSpec? spec, JobProgress? progress, ResultSet set)
    {
        var planned = spec is null ? set.Records.Count : (int)Math.Min(int.MaxValue, TrialPlan.CountOf(spec));
        return ReportWriter.Write(dir, spec?.Name ?? Path.GetFileName(Path.GetFullPath(dir)),
            progress ?? new JobProgress(planned, set.Records.Count, 0, null), set, spec);
    }
}
