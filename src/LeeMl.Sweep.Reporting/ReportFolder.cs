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
        var set = Pass(dir, pass =>
        {
            Feed(pass, dir);
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();
        return Write(dir, spec, progress, set);
    }

    /// <summary>The folder's results.jsonl into <paramref name="pass"/>, each with its telemetry.jsonl line.</summary>
    private static void Feed(ResultPass pass, string dir)
    {
        var resultsPath = Path.Combine(dir, "results.jsonl");
        var telemetryPath = Path.Combine(dir, "telemetry.jsonl");
        if (!File.Exists(resultsPath)) return;
        // Both files are in key order: their lines are matched as they are read, none held.
        using var telemetry = File.Exists(telemetryPath) ? new TelemetryCursor(telemetryPath) : null;
        foreach (var line in File.ReadLines(resultsPath).Where(l => l.Length > 0))
        {
            var r = ResultJson.Parse(line);
            pass.Add(r, telemetry?.For(r.Key));
        }
    }

    /// <summary>
    /// Renders while <paramref name="feed"/> writes the job's results into the folder: it calls back
    /// with each result and telemetry line, in key order, which the reports read as they pass.
    /// </summary>
    public static async Task<SweepReport> RenderAsWritten(string dir, SweepSpec spec, JobProgress progress, Func<Action<string, string>, Task> feed)
    {
        var set = await Pass(dir, pass => feed((result, telemetry) => pass.Add(ResultJson.Parse(result), ResultJson.ParseTelemetry(telemetry))));
        return Write(dir, spec, progress, set);
    }

    /// <summary>A folder's report as data, from its results.jsonl, telemetry.jsonl and spec.yaml: nothing is written.</summary>
    public static SweepReport Read(string dir)
    {
        var specPath = Path.Combine(dir, "spec.yaml");
        var spec = File.Exists(specPath) ? SpecParser.ParseFile(specPath) : null;
        var pass = new ResultPass(null);
        Feed(pass, dir);
        var set = pass.Finish();
        return ReportBuilder.Build(NameOf(dir, spec), Finished(spec, set), set) with { Search = SearchSummary.Of(spec, set) };
    }

    public static string Describe(string dir) => $"report: {Path.Combine(dir, "report.html")} (also report.md, results.csv, curves.csv, plots)";

    /// <summary>One pass over the results that <paramref name="read"/> feeds in, writing curves.csv and results.csv as it goes (each whole or not at all).</summary>
    private static async Task<ResultSet> Pass(string dir, Func<ResultPass, Task> read)
    {
        ResultSet? set = null;
        Directory.CreateDirectory(dir);
        await AtomicFile.WriteAsync(Path.Combine(dir, "results.csv"), results =>
            AtomicFile.WriteAsync(Path.Combine(dir, "curves.csv"), async curves =>
            {
                var pass = new ResultPass(curves, results);
                await read(pass);
                set = pass.Finish();
            }));
        return set!;
    }

    /// <summary>telemetry.jsonl read alongside results.jsonl, both in key order: each key's line, or null where it has none.</summary>
    private sealed class TelemetryCursor(string path) : IDisposable
    {
        private readonly IEnumerator<string> _lines = File.ReadLines(path).Where(l => l.Length > 0).GetEnumerator();
        private TrialTelemetry? _next;
        private bool _started, _done;

        public TrialTelemetry? For(string key)
        {
            if (!_started) { _started = true; Advance(); }
            while (!_done && string.CompareOrdinal(_next!.Key, key) < 0) Advance();
            return !_done && _next!.Key == key ? _next : null;
        }

        private void Advance()
        {
            if (_lines.MoveNext()) _next = ResultJson.ParseTelemetry(_lines.Current);
            else (_done, _next) = (true, null);
        }

        public void Dispose() => _lines.Dispose();
    }

    private static SweepReport Write(string dir, SweepSpec? spec, JobProgress? progress, ResultSet set)
    {
        return ReportWriter.Write(dir, NameOf(dir, spec), progress ?? Finished(spec, set), set, spec);
    }

    private static string NameOf(string dir, SweepSpec? spec) => spec?.Name ?? Path.GetFileName(Path.GetFullPath(dir));

    /// <summary>A folder's progress as far as its files tell: the spec's trials planned (or those present), all of them done.</summary>
    private static JobProgress Finished(SweepSpec? spec, ResultSet set) =>
        new(spec is null ? set.Records.Count : (int)Math.Min(int.MaxValue, TrialPlan.CountOf(spec)), set.Records.Count, 0, null);
}
