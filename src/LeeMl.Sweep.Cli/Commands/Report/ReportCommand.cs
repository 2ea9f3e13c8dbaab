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
            SweepReport report;
            try
            {
                report = ReportFolder.Render(folder);
            }
            catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException)
            {
                // The folder's reports stay as they were: every file is replaced whole or not at all.
                throw new UsageException($"{Path.Combine(folder, "results.jsonl")}: {e.Message}");
            }
            parse.InvocationConfiguration.Output.WriteLine($"{ReportFolder.Describe(folder)}; {report.Progress.Done} of {report.Progress.Planned} trials");
            return ExitCodes.Ok;
        });
        return command;
    }
}
