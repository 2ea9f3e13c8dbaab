using System.CommandLine;
using System.Globalization;
using System.Text;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Noise;
using LeeMl.Sweep.Optim.Optimizers;
using LeeMl.Sweep.Optim.Problems;
using LeeMl.Sweep.Optim.Schedules;

namespace LeeMl.Sweep.Cli.Commands.Trace;

/// <summary><c>trace</c>: runs optimizers on a 2-D test surface and prints (and draws) their paths.</summary>
public static class TraceCommand
{
    public static Command Create()
    {
        var definitions = new TraceArgs.Definitions();
        var command = new Command("trace", "run optimizers on a 2-D test surface; print their paths as CSV, draw them with --plot");
        definitions.AddTo(command);
        command.SetAction(parse => Run(TraceArgs.From(parse, definitions), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(TraceArgs a, TextWriter stdout, TextWriter stderr)
    {
        var problem = TestProblems.Surface(a.Problem);
        // Build everything first: a bad hyperparameter anywhere stops the run before any output.
        var runs = a.Series.Select((s, i) => (Series: s, Updater: Updater.Create(s.OptimizerSpec, problem.Dimension, s.ScheduleSpec,
            totalSteps: a.Steps, noise: s.NoiseEta is { } eta ? new GradientNoise(eta, s.NoiseGamma, a.Seed + (ulong)i) : null))).ToList();
        var paths = runs.Select(r => Trajectory.Run(r.Series.DisplayName, problem, r.Updater, a.Start, a.Steps)).ToList();

        var csv = ToCsv(paths);
        if (a.CsvPath is null)
            stdout.Write(csv);
        else
            Experiments.Files.AtomicFile.WriteText(a.CsvPath, csv);

        foreach (var p in paths)
        {
            var last = p.Points[^1];
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{p.Name}: step {last.Step}, loss {last.Loss:G6} at ({last.X:G6}, {last.Y:G6})");
            (a.CsvPath is null ? stderr : stdout).WriteLine(p.DivergedAt is { } d ? $"{line}; diverged at step {d}" : line);
        }
        if (a.PlotPath is not null)
        {
            TracePlot.Save(a.PlotPath, problem, paths, a.Start);
            (a.CsvPath is null ? stderr : stdout).WriteLine($"plot written to {a.PlotPath}");
        }
        return ExitCodes.Ok;
    }

    public static string ToCsv(IEnumerable<Trajectory> paths)
    {
        var sb = new StringBuilder("optimizer,step,lr,loss,x,y\n");
        foreach (var p in paths)
        {
            var name = Csv(p.Name);
            foreach (var q in p.Points)
                sb.Append(CultureInfo.InvariantCulture,
                    $"{name},{q.Step},{(double.IsNaN(q.LearningRate) ? "" : q.LearningRate.ToString("R", CultureInfo.InvariantCulture))},{q.Loss:R},{q.X:R},{q.Y:R}\n");
        }
        return sb.ToString();
    }

    private static string Csv(string field) => Learning.Data.CsvFile.Field(field);
}
