using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Reporting;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Cli.Commands.Report;

/// <summary><c>report DIR</c>: re-renders every report file from the stored results alone.</summary>
public sealed class ReportCommand : ICommand
{
    public string Name => "report";

    public string Summary => "re-render a job folder's reports (markdown, HTML, CSV, plots) from its results.jsonl";

    public string Help => """
        Usage: leeml-sweep report DIR

        Reads DIR/results.jsonl (and telemetry.jsonl and spec.yaml when present) and writes
        report.md, report.html, results.csv, curves.csv, factors.csv and the figures (PNG and SVG)
        into DIR. A report is a pure function of the results: the same results give the same report.
        """;

    public int Run(ArgReader args, TextWriter stdout, TextWriter stderr)
    {
        if (!args.HasMore) throw new UsageException("give the job folder DIR");
        var dir = args.Next();
        if (args.HasMore) throw new UsageException($"unexpected '{args.Next()}'");
        if (!File.Exists(Path.Combine(dir, "results.jsonl"))) throw new UsageException($"{dir}: no results.jsonl there");
        var report = Write(dir, null);
        stdout.WriteLine($"{ReportFiles.Describe(dir)}; {report.Progress.Done} of {report.Progress.Planned} trials");
        return ExitCodes.Ok;
    }

    /// <summary>Writes the reports of a job folder; the planned count comes from its spec.yaml when there is one.</summary>
    public static SweepReport Write(string dir, JobProgress? progress)
    {
        var results = ResultRecord.ReadDirectory(dir);
        var specPath = Path.Combine(dir, "spec.yaml");
        var spec = File.Exists(specPath) ? SpecParser.ParseFile(specPath) : null;
        var planned = spec is null ? results.Count : (int)Planner.Count(spec);
        return ReportWriter.Write(dir, spec?.Name ?? Path.GetFileName(Path.GetFullPath(dir)),
            progress ?? new JobProgress(planned, results.Count, 0, results.Count >= planned ? "done" : "stopped"), results);
    }
}

public static class ReportFiles
{
    public static string Describe(string dir) => $"report: {Path.Combine(dir, "report.html")} (also report.md, results.csv, curves.csv, plots)";
}
