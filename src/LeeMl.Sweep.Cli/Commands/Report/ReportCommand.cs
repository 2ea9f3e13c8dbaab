using System.CommandLine;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Reporting;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Cli.Commands.Report;

/// <summary><c>report DIR</c>: re-renders every report file from the stored results alone.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var dir = Options.Positional<string>("DIR", "the job folder: its results.jsonl (and telemetry.jsonl and spec.yaml when present)", ArgumentArity.ExactlyOne);
        var command = new Command("report", "re-render a job folder's reports (markdown, HTML, CSV, plots) from its results.jsonl")
        {
            dir,
        };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(dir)!;
            if (!File.Exists(Path.Combine(folder, "results.jsonl"))) throw new UsageException($"{folder}: no results.jsonl there");
            var report = Write(folder, null);
            parse.InvocationConfiguration.Output.WriteLine($"{ReportFiles.Describe(folder)}; {report.Progress.Done} of {report.Progress.Planned} trials");
            return ExitCodes.Ok;
        });
        return command;
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
