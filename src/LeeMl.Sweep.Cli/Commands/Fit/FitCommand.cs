using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Learning.Training;
using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Noise;
using LeeMl.Sweep.Optim.Optimizers;
using LeeMl.Sweep.Optim.Schedules;

namespace LeeMl.Sweep.Cli.Commands.Fit;

/// <summary><c>fit</c>: one training from the command line, no cluster.</summary>
public static class FitCommand
{
    public static Command Create()
    {
        var definitions = new FitArgs.Definitions();
        var command = new Command("fit", "train one classifier on one dataset and print train, validation and test accuracy");
        definitions.AddTo(command);
        command.SetAction(parse => Run(FitArgs.From(parse, definitions), parse.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(FitArgs a, TextWriter stdout)
    {
        var initial = a.InitParams is null ? null : ParameterFile.Load(a.InitParams);   // a bad file fails before any output
        var split = LoadData(a);
        var train = split.Train;
        Dataset? validation = null;
        if (a.Validation > 0)
            (train, validation) = Splits.Stratified(train, a.Validation, a.Seed ^ 0x5EEDUL);
        var model = ModelCatalog.Create(a.Model, train.Features, train.Classes, a.Seed);
        if (model is ModelKind.Differentiable) ModelCatalog.CheckData(train, a.BatchSize);
        var updater = model is ModelKind.Differentiable d ? BuildUpdater(a, d.Model, train) : null;   // bad hyperparameters fail before any output
        stdout.WriteLine($"data: {train.Rows} train, {validation?.Rows ?? 0} validation, {split.Test?.Rows ?? 0} test rows; {train.Features} features; classes {string.Join(", ", train.ClassNames)}");

        switch (model)
        {
            case ModelKind.ClosedForm closed:
            {
                if (a.Optimizer is not null) throw new UsageException($"model '{a.Model.Name}' is fitted in closed form; it takes no --optimizer");
                var classifier = closed.Model.Fit(train);
                Report(stdout, Classifiers.Accuracy(classifier, train), validation is null ? null : Classifiers.Accuracy(classifier, validation),
                    split.Test is null ? null : Classifiers.Accuracy(classifier, split.Test));
                return ExitCodes.Ok;
            }
            case ModelKind.Differentiable net:
            {
                var options = new TrainOptions(a.Epochs, a.BatchSize, a.Shuffle, a.Seed,
                    a.CurriculumEpochs > 0 ? Trainer.DistanceToClassMean(train) : null, a.CurriculumEpochs,
                    initial);
                if (a.Curve) stdout.WriteLine("epoch,step,lr,train_loss,train_acc,val_loss,val_acc,grad_norm,seconds");
                var fit = Trainer.Fit(net.Model, updater!, train, validation, options, m =>
                {
                    if (a.Curve)
                        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{m.Epoch},{m.Step},{m.LearningRate:R},{m.TrainLoss:R},{m.TrainAccuracy:R},{m.ValidationLoss:R},{m.ValidationAccuracy:R},{m.GradientNorm:R},{m.Seconds:F3}"));
                });
                if (fit.Outcome == Outcome.Diverged)
                {
                    stdout.WriteLine($"outcome: diverged in epoch {fit.DivergedEpoch} (the loss became NaN or infinite)");
                    return ExitCodes.Ok;
                }
                if (a.SaveParams is not null) Experiments.Files.AtomicFile.Write(a.SaveParams, temp => ParameterFile.Save(temp, fit.Parameters));
                var last = fit.Curve[^1];
                Report(stdout, last.TrainAccuracy, validation is null ? null : last.ValidationAccuracy,
                    split.Test is null ? null : Classifiers.Evaluate(net.Model, fit.Parameters, split.Test).Accuracy);
                return ExitCodes.Ok;
            }
            default:
                throw new InvalidOperationException("unknown model kind");
        }
    }

    private static Updater BuildUpdater(FitArgs a, IDifferentiableModel model, Dataset train)
    {
        var optimizer = a.Optimizer ?? new ComponentSpec("sgdm").With("lr", 0.01);
        var schedule = a.Schedule;
        if (a.Warmup > 0)
            schedule = new ComponentSpec("warmup-linear").With("warmup_steps", a.Warmup)
                .With("then", new ParamValue.Component(schedule ?? new ComponentSpec("constant")));
        var totalSteps = (long)a.Epochs * ((train.Rows + a.BatchSize - 1) / a.BatchSize);
        return Updater.Create(optimizer, model.ParameterCount, schedule, totalSteps,
            a.NoiseEta is { } eta ? new GradientNoise(eta, 0.55, a.Seed ^ 0x0015EUL) : null);
    }

    private static void Report(TextWriter stdout, double train, double? validation, double? test)
    {
        static string P(double? v) => v is { } x ? (100 * x).ToString("F2", CultureInfo.InvariantCulture) + " %" : "-";
        stdout.WriteLine($"train accuracy: {P(train)}");
        stdout.WriteLine($"validation accuracy: {P(validation)}");
        stdout.WriteLine($"test accuracy: {P(test)}");
    }

    /// <summary>The command line's data, as the same <see cref="DataSpec"/> a sweep spec gives, loaded the same way.</summary>
    private static DataSplit LoadData(FitArgs a)
    {
        var settings = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        string Text(int v) => v.ToString(CultureInfo.InvariantCulture);
        var test = a.Test.ToString("R", CultureInfo.InvariantCulture);
        string source;
        switch (a.Data)
        {
            case "blobs" or "moons":
                source = a.Data;
                (settings["samples"], settings["features"], settings["seed"], settings["test_fraction"]) = (Text(a.Samples), Text(a.Dims), Text((int)a.Seed + 1), test);
                break;
            case var name when NamedDatasets.Names.Contains(name):
                source = name;
                settings["split_seed"] = Text((int)a.Seed);
                break;
            default:
                if (!a.Data.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !a.Data.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase))
                    throw new UsageException($"unknown dataset '{a.Data}'; known: {string.Join(", ", NamedDatasets.Names)}, blobs, moons, or a .csv file");
                source = "csv";
                settings["path"] = a.Data;
                settings["label"] = a.Label ?? throw new UsageException("a CSV file needs --label COLUMN");
                (settings["split_seed"], settings["test_fraction"]) = (Text((int)a.Seed), test);
                if (a.TestData is not null) settings["test"] = a.TestData;
                break;
        }
        if (a.Features is { Count: > 0 } && source is not ("blobs" or "moons")) settings["features"] = string.Join(",", a.Features);
        return DataLoader.Load(new DataSpec(source, settings.ToImmutable()), a.DataDir ?? Environment.GetEnvironmentVariable("LEEML_DATA"));
    }
}
