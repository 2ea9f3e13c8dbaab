using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Learning.Training;
using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Learning.Tests;

/// <summary>The real datasets built into the program (or the copies in LEEML_DATA), and small helpers to train on them.</summary>
internal static class TestData
{
    public static DataFolder Folder => DataFolder.Of(Environment.GetEnvironmentVariable("LEEML_DATA"));

    public static DataSplit Load(string name, IReadOnlyList<string>? features = null, ulong seed = 0) =>
        NamedDatasets.Load(name, Folder, features, seed);

    public static double ClosedFormTestAccuracy(string model, DataSplit split)
    {
        var kind = Assert.IsType<ModelKind.ClosedForm>(ModelCatalog.Create(new ComponentSpec(model), split.Train.Features, split.Train.Classes));
        return Classifiers.Accuracy(kind.Model.Fit(split.Train), split.Test!);
    }

    public static (FitResult Fit, IDifferentiableModel Model) Train(string model, Dataset train, Dataset? validation, ComponentSpec optimizer,
        int epochs, int batch, ulong seed = 0, ComponentSpec? schedule = null, ComponentSpec? modelSpec = null)
    {
        var kind = Assert.IsType<ModelKind.Differentiable>(ModelCatalog.Create(modelSpec ?? new ComponentSpec(model), train.Features, train.Classes, seed));
        var options = new TrainOptions(epochs, batch, Seed: seed);
        var updater = Updater.Create(optimizer, kind.Model.ParameterCount, schedule, options.TotalSteps(train.Rows));
        return (Trainer.Fit(kind.Model, updater, train, validation, options), kind.Model);
    }

    public static double TestAccuracy(IDifferentiableModel model, FitResult fit, Dataset test) =>
        Classifiers.Evaluate(model, fit.Parameters, test).Accuracy;
}
