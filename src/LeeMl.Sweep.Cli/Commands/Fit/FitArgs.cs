using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Cli.Commands.Fit;

/// <summary>The parsed command line of <c>fit</c>.</summary>
public sealed class FitArgs
{
    public string Data { get; private set; } = "";
    public string? Label { get; private set; }
    public string? TestData { get; private set; }
    public IReadOnlyList<string>? Features { get; private set; }
    public string? DataDir { get; private set; }
    public int Samples { get; private set; } = 2000;
    public int Dims { get; private set; } = 8;
    public double Validation { get; private set; } = 0.2;
    public double Test { get; private set; } = 0.2;
    public ComponentSpec Model { get; private set; } = new("logistic");
    public ComponentSpec? Optimizer { get; private set; }
    public ComponentSpec? Schedule { get; private set; }
    public int Warmup { get; private set; }
    public double? NoiseEta { get; private set; }
    public int Epochs { get; private set; } = 20;
    public int BatchSize { get; private set; } = 32;
    public ulong Seed { get; private set; }
    public bool Shuffle { get; private set; } = true;
    public int CurriculumEpochs { get; private set; }
    public string? InitParams { get; private set; }
    public string? SaveParams { get; private set; }
    public bool Curve { get; private set; }

    public static FitArgs Parse(ArgReader args)
    {
        var a = new FitArgs();
        string? model = null, optimizer = null, schedule = null;
        List<KeyValuePair<string, string>> modelParams = [], optParams = [], schedParams = [];
        while (args.HasMore)
        {
            var option = args.Next();
            switch (option)
            {
                case "--data": a.Data = args.Value(option); break;
                case "--label": a.Label = args.Value(option); break;
                case "--test-data": a.TestData = args.Value(option); break;
                case "--features": a.Features = args.Value(option).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries); break;
                case "--data-dir": a.DataDir = args.Value(option); break;
                case "--samples": a.Samples = args.Int(option, min: 4); break;
                case "--dims": a.Dims = args.Int(option, min: 2); break;
                case "--validation": a.Validation = Share(args, option, allowZero: true); break;
                case "--test": a.Test = Share(args, option, allowZero: false); break;
                case "--model": model = args.Value(option); break;
                case "--model-param": modelParams.Add(args.Pair(option)); break;
                case "--optimizer": optimizer = args.Value(option); break;
                case "--param": optParams.Add(args.Pair(option)); break;
                case "--schedule": schedule = args.Value(option); break;
                case "--schedule-param": schedParams.Add(args.Pair(option)); break;
                case "--warmup": a.Warmup = args.Int(option, min: 1); break;
                case "--noise": a.NoiseEta = args.Double(option); break;
                case "--epochs": a.Epochs = args.Int(option, min: 1); break;
                case "--batch-size": a.BatchSize = args.Int(option, min: 1); break;
                case "--seed": a.Seed = (ulong)args.Int(option, min: 0); break;
                case "--no-shuffle": a.Shuffle = false; break;
                case "--curriculum": a.CurriculumEpochs = args.Int(option, min: 1); break;
                case "--init-params": a.InitParams = args.Value(option); break;
                case "--save-params": a.SaveParams = args.Value(option); break;
                case "--curve": a.Curve = true; break;
                default: throw new UsageException($"unknown option '{option}'");
            }
        }
        if (a.Data.Length == 0) throw new UsageException("--data is required");
        if (model is null) throw new UsageException("--model is required");
        if (optimizer is null && optParams.Count > 0) throw new UsageException("--param needs an --optimizer");
        if (schedule is null && schedParams.Count > 0) throw new UsageException("--schedule-param needs a --schedule");
        a.Model = ComponentSpec.FromPairs(model, modelParams);
        a.Optimizer = optimizer is null ? null : ComponentSpec.FromPairs(optimizer, optParams);
        a.Schedule = schedule is null ? null : ComponentSpec.FromPairs(schedule, schedParams);
        return a;
    }

    private static double Share(ArgReader args, string option, bool allowZero)
    {
        var v = args.Double(option);
        if (v < 0 || v >= 1 || (!allowZero && v == 0)) throw new UsageException($"{option} = {v} must be {(allowZero ? "0 <=" : "0 <")} share < 1");
        return v;
    }
}
