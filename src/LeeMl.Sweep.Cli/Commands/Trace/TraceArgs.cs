using System.Globalization;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Problems;

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

    public static TraceArgs Parse(ArgReader args)
    {
        var series = new List<TraceSeries>();
        string problem = "rosenbrock";
        double[]? start = null;
        int steps = 200;
        ulong seed = 0;
        string? csv = null, plot = null;
        TraceSeries Current(string option) =>
            series.Count > 0 ? series[^1] : throw new UsageException($"{option} must follow an --optimizer it applies to");

        while (args.HasMore)
        {
            var option = args.Next();
            switch (option)
            {
                case "--optimizer": series.Add(new TraceSeries(args.Value(option))); break;
                case "--param": Current(option).Params.Add(args.Pair(option)); break;
                case "--schedule": Current(option).Schedule = args.Value(option); break;
                case "--schedule-param":
                    var s = Current(option);
                    if (s.Schedule is null) throw new UsageException("--schedule-param must follow a --schedule");
                    s.ScheduleParams.Add(args.Pair(option));
                    break;
                case "--noise": Current(option).NoiseEta = args.Double(option); break;
                case "--noise-gamma": Current(option).NoiseGamma = args.Double(option); break;
                case "--label": Current(option).Label = args.Value(option); break;
                case "--problem": problem = args.Value(option); break;
                case "--start": start = ParsePoint(args.Value(option)); break;
                case "--steps": steps = args.Int(option, min: 1); break;
                case "--seed": seed = (ulong)args.Int(option, min: 0); break;
                case "--csv": csv = args.Value(option); break;
                case "--plot": plot = args.Value(option); break;
                default: throw new UsageException($"unknown option '{option}'");
            }
        }
        if (series.Count == 0) throw new UsageException("give at least one --optimizer");
        if (!TestProblems.SurfaceNames.Contains(problem))
            throw new UsageException($"unknown problem '{problem}'; known: {string.Join(", ", TestProblems.SurfaceNames)}");
        if (plot is not null && !plot.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && !plot.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--plot '{plot}' must end in .png or .svg");
        return new TraceArgs(series, problem, start ?? DefaultStarts[problem], steps, seed, csv, plot);
    }

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
