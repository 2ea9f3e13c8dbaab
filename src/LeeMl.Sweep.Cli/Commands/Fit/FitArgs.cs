using System.CommandLine;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Cli.Commands.Fit;

/// <summary>The options of <c>fit</c>, defined once, and what a command line gives for them.</summary>
public sealed class FitArgs
{
    public string Data { get; private init; } = "";
    public string? Label { get; private init; }
    public string? TestData { get; private init; }
    public IReadOnlyList<string>? Features { get; private init; }
    public string? DataDir { get; private init; }
    public int Samples { get; private init; }
    public int Dims { get; private init; }
    public double Validation { get; private init; }
    public double Test { get; private init; }
    public ComponentSpec Model { get; private init; } = new("logistic");
    public ComponentSpec? Optimizer { get; private init; }
    public ComponentSpec? Schedule { get; private init; }
    public int Warmup { get; private init; }
    public double? NoiseEta { get; private init; }
    public int Epochs { get; private init; }
    public int BatchSize { get; private init; }
    public ulong Seed { get; private init; }
    public bool Shuffle { get; private init; }
    public int CurriculumEpochs { get; private init; }
    public string? InitParams { get; private init; }
    public string? SaveParams { get; private init; }
    public bool Curve { get; private init; }

    /// <summary>The option definitions; <see cref="AddTo"/> puts them on the command.</summary>
    public sealed class Definitions
    {
        public Option<string> Data { get; } = new("--data") { Description = "pokemon, adult, breast-cancer, digits (built in), blobs or moons (synthetic, seeded), or a CSV file with a header row", HelpName = "NAME|FILE", Required = true };
        public Option<string?> Label { get; } = new("--label") { Description = "the label column of a CSV file (required for a CSV file) [default: none]", HelpName = "COLUMN" };
        public Option<string?> TestData { get; } = new("--test-data") { Description = "a CSV test file with the same columns [default: --test splits the data file]", HelpName = "FILE" };
        public Option<string?> Features { get; } = new("--features") { Description = "feature columns, comma-separated [default: pokemon the 7 stats, CSV all but the label]", HelpName = "A,B,..." };
        public Option<string?> DataDir { get; } = Options.DataDir();
        public Option<int> Samples { get; } = Options.WholeNumber("--samples", "rows of blobs/moons", 2000, min: 4);
        public Option<int> Dims { get; } = Options.WholeNumber("--dims", "features of blobs/moons", 8, min: 2, helpName: "D");
        public Option<double> Validation { get; } = Options.Number("--validation", "share of the training rows held out for validation (0 = none)", 0.2, "F");
        public Option<double> Test { get; } = Options.Number("--test", "for a CSV file or blobs/moons: share held out as test", 0.2, "F");
        public Option<string> Model { get; } = new("--model") { Description = "the classifier: " + string.Join(", ", Learning.Models.ModelCatalog.Names), HelpName = "NAME", Required = true };
        public Option<string[]> ModelParams { get; } = new("--model-param") { Description = "a model hyperparameter, e.g. hidden=64, activation=tanh, dropout=0.1 (repeatable) [default: none]", HelpName = "K=V" };
        public Option<string?> Optimizer { get; } = new("--optimizer") { Description = "one of " + string.Join(", ", Optim.Optimizers.OptimizerCatalog.Names) + " [default: sgdm with lr=0.01]", HelpName = "NAME" };
        public Option<string[]> Params { get; } = new("--param") { Description = "an optimizer hyperparameter K=V (repeatable) [default: none]", HelpName = "K=V" };
        public Option<string?> Schedule { get; } = new("--schedule") { Description = "a learning-rate schedule: " + string.Join(", ", Optim.Schedules.ScheduleCatalog.Names) + " [default: constant]", HelpName = "NAME" };
        public Option<string[]> ScheduleParams { get; } = new("--schedule-param") { Description = "a schedule hyperparameter K=V (repeatable) [default: none]", HelpName = "K=V" };
        public Option<int> Warmup { get; } = Options.WholeNumber("--warmup", "linear warm-up from 0 over STEPS steps before the schedule (0 = none)", 0, min: 0, helpName: "STEPS");
        public Option<double?> Noise { get; } = new("--noise") { Description = "annealed Gaussian gradient noise, variance ETA/(1+step)^0.55 [default: none]", HelpName = "ETA" };
        public Option<int> Epochs { get; } = Options.WholeNumber("--epochs", "passes over the training rows", 20, min: 1);
        public Option<int> BatchSize { get; } = Options.WholeNumber("--batch-size", "rows per mini-batch", 32, min: 1);
        public Option<int> Seed { get; } = Options.WholeNumber("--seed", "seed of the split, initialisation and shuffling", 0, min: 0);
        public Option<bool> NoShuffle { get; } = Options.Flag("--no-shuffle", "keep the row order in every epoch");
        public Option<int> Curriculum { get; } = Options.WholeNumber("--curriculum", "easy rows first (by distance to their class mean), all rows after EPOCHS epochs (0 = off)", 0, min: 0, helpName: "EPOCHS");
        public Option<string?> InitParams { get; } = new("--init-params") { Description = "start from parameters saved by --save-params (fine-tuning) [default: random initialisation]", HelpName = "FILE" };
        public Option<string?> SaveParams { get; } = new("--save-params") { Description = "save the trained parameters [default: not saved]", HelpName = "FILE" };
        public Option<bool> Curve { get; } = Options.Flag("--curve", "print the per-epoch metrics as CSV");

        public void AddTo(Command c)
        {
            foreach (Option o in new Option[] { Data, Label, TestData, Features, DataDir, Samples, Dims, Validation, Test, Model, ModelParams, Optimizer, Params,
                         Schedule, ScheduleParams, Warmup, Noise, Epochs, BatchSize, Seed, NoShuffle, Curriculum, InitParams, SaveParams, Curve })
                c.Add(o);
        }
    }

    public static FitArgs From(ParseResult p, Definitions d)
    {
        var optimizer = p.GetValue(d.Optimizer);
        var schedule = p.GetValue(d.Schedule);
        var optParams = (p.GetValue(d.Params) ?? []).Select(t => Options.Pair("--param", t)).ToList();
        var schedParams = (p.GetValue(d.ScheduleParams) ?? []).Select(t => Options.Pair("--schedule-param", t)).ToList();
        var modelParams = (p.GetValue(d.ModelParams) ?? []).Select(t => Options.Pair("--model-param", t)).ToList();
        if (optimizer is null && optParams.Count > 0) throw new UsageException("--param needs an --optimizer");
        if (schedule is null && schedParams.Count > 0) throw new UsageException("--schedule-param needs a --schedule");
        static double Share(double v, string option, bool allowZero) =>
            v < 0 || v >= 1 || (!allowZero && v == 0) ? throw new UsageException($"{option} = {v} must be {(allowZero ? "0 <=" : "0 <")} share < 1") : v;
        var noise = p.GetValue(d.Noise);
        if (noise is { } eta && !(double.IsFinite(eta) && eta >= 0)) throw new UsageException($"--noise = {eta} must be a finite number >= 0");
        return new FitArgs
        {
            Data = p.GetValue(d.Data)!,
            Label = p.GetValue(d.Label),
            TestData = p.GetValue(d.TestData),
            Features = p.GetValue(d.Features)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            DataDir = p.GetValue(d.DataDir),
            Samples = p.GetValue(d.Samples),
            Dims = p.GetValue(d.Dims),
            Validation = Share(p.GetValue(d.Validation), "--validation", allowZero: true),
            Test = Share(p.GetValue(d.Test), "--test", allowZero: false),
            Model = ComponentSpec.FromPairs(p.GetValue(d.Model)!, modelParams),
            Optimizer = optimizer is null ? null : ComponentSpec.FromPairs(optimizer, optParams),
            Schedule = schedule is null ? null : ComponentSpec.FromPairs(schedule, schedParams),
            Warmup = p.GetValue(d.Warmup),
            NoiseEta = noise,
            Epochs = p.GetValue(d.Epochs),
            BatchSize = Learning.Models.ModelCatalog.BatchSize(ComponentSpec.FromPairs(p.GetValue(d.Model)!, modelParams), p.GetValue(d.BatchSize)),   // a model's batch_size (as in a sweep) wins
            Seed = (ulong)p.GetValue(d.Seed),
            Shuffle = !p.GetValue(d.NoShuffle),
            CurriculumEpochs = p.GetValue(d.Curriculum),
            InitParams = p.GetValue(d.InitParams),
            SaveParams = p.GetValue(d.SaveParams),
            Curve = p.GetValue(d.Curve),
        };
    }
}
