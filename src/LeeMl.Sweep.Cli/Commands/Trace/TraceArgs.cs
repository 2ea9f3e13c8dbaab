using System.CommandLine;
using System.Globalization;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Optimizers;
using LeeMl.Sweep.Optim.Problems;
using LeeMl.Sweep.Optim.Schedules;

namespace LeeMl.Sweep.Cli.Commands.Trace;

/// <summary>One optimizer to trace, with the schedule, noise and label that follow it on the command line.</summary>
public sealed class TraceSeries(string optimizer)
{
    public string Optimizer { get; } = optimizer;
    public List<KeyValuePair<string, string>> Params { get; } = [];
    public string? Schedule { get; set; }
    public List<KeyValuePair<string, string>> ScheduleParams { get; } = [];
    public double? NoiseEta { get; set; }
    public double NoiseGamma { get; set; } = 0.55;
    public string? Label { get; set; }

    public ComponentSpec OptimizerSpec => ComponentSpec.FromPairs(Optimizer, Params);

    public ComponentSpec? ScheduleSpec => Schedule is null ? null : ComponentSpec.FromPairs(Schedule, ScheduleParams);

    /// <summary>A readable name without commas: <c>adam lr=0.01 + one-cycle max_lr=0.05</c>.</summary>
    public string DisplayName
    {
        get
        {
            if (Label is not null) return Label;
            static string Pairs(IEnumerable<KeyValuePair<string, string>> ps) => string.Concat(ps.Select(p => $" {p.Key}={p.Value}"));
            var name = Optimizer + Pairs(Params);
            if (Schedule is not null) name += $" + {Schedule}{Pairs(ScheduleParams)}";
            if (NoiseEta is { } eta) name += $" + noise eta={eta.ToString(CultureInfo.InvariantCulture)}";
            return name;
        }
    }
}

/// <summary>The parsed command line of <c>trace</c>.</summary>
public sealed record TraceArgs(
    IReadOnlyList<TraceSeries> Series, string Problem, double[] Start, int Steps, ulong Seed, string? CsvPath, string? PlotPath)
{
    public static readonly IReadOnlyDictionary<string, double[]> DefaultStarts = new Dictionary<string, double[]>
    {
        ["rosenbrock"] = [-1.5, 2.0],
        ["beale"] = [1.0, 1.2],
        ["quadratic"] = [3.0, 1.0],
        ["saddle"] = [1.0, 0.01],
    };

    /// <summary>The option definitions; the per-optimizer ones repeat, one value per occurrence.</summary>
    public sealed class Definitions
    {
        public Option<string[]> Optimizer { get; } = new("--optimizer") { Description = "an optimizer to trace (repeatable): " + string.Join(", ", OptimizerCatalog.Names), HelpName = "NAME", Required = true };
        public Option<string[]> Param { get; } = new("--param") { Description = "a hyperparameter of the --optimizer before it, e.g. lr=0.01; for lookahead inner=adam, inner.lr=0.02 [default: the optimizer's defaults]", HelpName = "K=V" };
        public Option<string[]> Schedule { get; } = new("--schedule") { Description = "a learning-rate schedule for the --optimizer before it: " + string.Join(", ", ScheduleCatalog.Names) + " [default: constant]", HelpName = "NAME" };
        public Option<string[]> ScheduleParam { get; } = new("--schedule-param") { Description = "a hyperparameter of the --schedule before it, e.g. max_lr=0.05 [default: the schedule's defaults]", HelpName = "K=V" };
        public Option<string[]> Noise { get; } = new("--noise") { Description = "annealed Gaussian gradient noise for the --optimizer before it, variance ETA/(1+step)^G [default: none]", HelpName = "ETA" };
        public Option<string[]> NoiseGamma { get; } = new("--noise-gamma") { Description = "the noise's decay exponent G for the --optimizer before it [default: 0.55]", HelpName = "G" };
        public Option<string[]> Label { get; } = new("--label") { Description = "the name of the --optimizer before it in the CSV and the legend [default: built from its options]", HelpName = "TEXT" };
        public Option<string> Problem { get; } = new("--problem") { Description = "the surface: " + string.Join(", ", TestProblems.SurfaceNames), HelpName = "NAME", DefaultValueFactory = _ => "rosenbrock" };
        public Option<string?> Start { get; } = new("--start") { Description = "the start point [default: rosenbrock -1.5,2, beale 1,1.2, quadratic 3,1, saddle 1,0.01]", HelpName = "X,Y" };
        public Option<int> Steps { get; } = Options.WholeNumber("--steps", "steps per optimizer; also the schedules' default total_steps", 200, min: 1);
        public Option<int> Seed { get; } = Options.WholeNumber("--seed", "seed of the gradient noise", 0, min: 0);
        public Option<string?> Csv { get; } = new("--csv") { Description = "write the CSV to FILE [default: standard output]", HelpName = "FILE" };
        public Option<string?> Plot { get; } = new("--plot") { Description = "draw every path over the loss contours, .png or .svg [default: no plot]", HelpName = "FILE" };

        public void AddTo(Command c)
        {
            foreach (Option o in new Option[] { Optimizer, Param, Schedule, ScheduleParam, Noise, NoiseGamma, Label, Problem, Start, Steps, Seed, Csv, Plot })
                c.Add(o);
        }
    }

    /// <summary>
    /// Reads the parsed command line. The per-optimizer options are taken in the order they were
    /// typed, each belonging to the --optimizer before it, so the tokens are walked in order.
    /// </summary>
    public static TraceArgs From(ParseResult parse, Definitions d)
    {
        var series = new List<TraceSeries>();
        TraceSeries Current(string option) =>
            series.Count > 0 ? series[^1] : throw new UsageException($"{option} must follow an --optimizer it applies to");
        var tokens = parse.Tokens;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Type != System.CommandLine.Parsing.TokenType.Option || i + 1 >= tokens.Count) continue;
            var option = tokens[i].Value;
            var value = tokens[i + 1].Value;
            if (Is(d.Optimizer, option)) series.Add(new TraceSeries(value));
            else if (Is(d.Param, option)) Current(option).Params.Add(Options.Pair(option, value));
            else if (Is(d.Schedule, option)) Current(option).Schedule = value;
            else if (Is(d.ScheduleParam, option))
            {
                var s = Current(option);
                if (s.Schedule is null) throw new UsageException("--schedule-param must follow a --schedule");
                s.ScheduleParams.Add(Options.Pair(option, value));
            }
            else if (Is(d.Noise, option)) Current(option).NoiseEta = Finite(option, value);
            else if (Is(d.NoiseGamma, option)) Current(option).NoiseGamma = Finite(option, value);
            else if (Is(d.Label, option)) Current(option).Label = value;
        }
        var problem = parse.GetValue(d.Problem)!;
        if (!TestProblems.SurfaceNames.Contains(problem))
            throw new UsageException($"unknown problem '{problem}'; known: {string.Join(", ", TestProblems.SurfaceNames)}");
        var plot = parse.GetValue(d.Plot);
        if (plot is not null && !plot.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && !plot.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--plot '{plot}' must end in .png or .svg");
        var start = parse.GetValue(d.Start) is { } text ? ParsePoint(text) : DefaultStarts[problem];
        return new TraceArgs(series, problem, start, parse.GetValue(d.Steps), (ulong)parse.GetValue(d.Seed), parse.GetValue(d.Csv), plot);
    }

    private static bool Is(Option option, string token) => option.Name == token || option.Aliases.Contains(token);

    private static double Finite(string option, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new UsageException($"{option} = '{text}' must be a finite number");

    private static double[] ParsePoint(string text)
    {
        var parts = text.Split(',');
        var point = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out point[i]) || !double.IsFinite(point[i]))
                throw new UsageException($"--start '{text}' must be two numbers, like -1.5,2");
        if (point.Length != 2) throw new UsageException($"--start '{text}' must be two numbers, like -1.5,2");
        return point;
    }
}
