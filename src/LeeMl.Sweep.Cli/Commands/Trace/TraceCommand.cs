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
public sealed class TraceCommand : ICommand
{
    public string Name => "trace";

    public string Summary => "run optimizers on a 2-D test surface; print their paths as CSV, draw them with --plot";

    public string Help => $"""
        Usage: leeml-sweep trace --optimizer NAME [--param KEY=VALUE ...] [--schedule NAME [--schedule-param KEY=VALUE ...]]
                                 [--noise ETA [--noise-gamma G]] [--label TEXT]
                                 [--optimizer NAME ... (more optimizers, each with its own options)]
                                 [--problem rosenbrock|beale|quadratic|saddle] [--start X,Y] [--steps N] [--seed N]
                                 [--csv FILE] [--plot FILE.png|FILE.svg]

        Runs each optimizer from the same start on a 2-D test surface and records its path.
        Options after an --optimizer belong to that optimizer.

        Per optimizer:
          --optimizer NAME         one of: {string.Join(", ", OptimizerCatalog.Names)}
          --param KEY=VALUE        a hyperparameter, e.g. lr=0.01; for lookahead: inner=adam, inner.lr=0.02
          --schedule NAME          a learning-rate schedule: {string.Join(", ", ScheduleCatalog.Names)}
          --schedule-param K=V     a schedule hyperparameter, e.g. max_lr=0.05
          --noise ETA              add annealed Gaussian gradient noise, variance ETA/(1+step)^G
          --noise-gamma G          the noise's decay exponent (default 0.55)
          --label TEXT             the name in the CSV and the legend (default: built from the options)

        Run:
          --problem NAME           the surface (default rosenbrock); starts default to rosenbrock -1.5,2,
                                   beale 1,1.2, quadratic 3,1, saddle 1,0.01
          --start X,Y              the start point
          --steps N                steps per optimizer (default 200); also the schedules' default total_steps
          --seed N                 seed of the gradient noise (default 0)
          --csv FILE               write the CSV to FILE instead of standard output
          --plot FILE              draw every path over the loss contours (PNG or SVG)

        Output: CSV with a header, one row per optimizer and step 0..N:
          optimizer,step,lr,loss,x,y
        x,y are the parameters before step `step`, loss their loss, lr the rate that step uses
        (empty on the last row). A path whose loss leaves the finite numbers stops there.

        Optimizers and their hyperparameters (defaults):
        {OptimizerCatalog.Help()}
        Schedules:
        {ScheduleCatalog.Help}
        Example (the lecture's picture):
          leeml-sweep trace --optimizer sgdm --param lr=0.0005 --optimizer adam --param lr=0.05 \
              --problem rosenbrock --start -1.5,2 --steps 300 --plot paths.png
        """;

    public int Run(ArgReader args, TextWriter stdout, TextWriter stderr)
    {
        var a = TraceArgs.Parse(args);
        var problem = TestProblems.Surface(a.Problem);
        // Build everything first: a bad hyperparameter anywhere stops the run before any output.
        var runs = a.Series.Select((s, i) => (Series: s, Updater: Updater.Create(s.OptimizerSpec, problem.Dimension, s.ScheduleSpec,
            totalSteps: a.Steps, noise: s.NoiseEta is { } eta ? new GradientNoise(eta, s.NoiseGamma, a.Seed + (ulong)i) : null))).ToList();
        var paths = runs.Select(r => Trajectory.Run(r.Series.DisplayName, problem, r.Updater, a.Start, a.Steps)).ToList();

        var csv = ToCsv(paths);
        if (a.CsvPath is null)
            stdout.Write(csv);
        else
            AtomicFile.WriteText(a.CsvPath, csv);

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

    private static string Csv(string field) =>
        field.IndexOfAny([',', '"', '\n']) < 0 ? field : $"\"{field.Replace("\"", "\"\"")}\"";
}
