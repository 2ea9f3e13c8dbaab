using LeeMl.Sweep.Experiments.Trials;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Reporting.Tests;

/// <summary>A small real sweep, trained in-process once per test run, as results.jsonl lines.</summary>
internal static class SmallSweep
{
    public const string SpecText = """
        name: small
        data: { synthetic: moons, samples: 400, features: 4, seed: 2 }
        validation: 0.25
        models: [logistic, { name: mlp, hidden: 8 }, gaussian-shared]
        epochs: 6
        batch_size: 32
        seeds: [1, 2, 3]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.01 } ]
          schedule: [ none, { name: one-cycle } ]
          warmup: [ none, { steps: 20 } ]
        """;

    private static readonly Lazy<IReadOnlyList<(string Key, string Result, string Telemetry)>> Lines = new(() =>
    {
        var spec = SpecParser.Parse(SpecText, "small.yaml");
        var data = new DataLoader((string?)null);
        return [.. new TrialPlan(spec).All().OrderBy(t => t.Key, StringComparer.Ordinal).Select(t =>
        {
            using var trial = TrialKinds.Of(spec).Start(spec, t, data, LeeMl.Sweep.Experiments.Programs.TrialHost.None);
            trial.RunUntil(spec.Epochs, null, CancellationToken.None);
            var r = trial.Result();
            return (t.Key, ResultJson.Line(r), ResultJson.Telemetry(new TrialTelemetry(t.Key, "test", 0.01, 1, [])));
        })];
    });

    public static IReadOnlyList<(string Key, string Result, string Telemetry)> Results => Lines.Value;

    /// <summary>A job folder with results.jsonl, telemetry.jsonl and spec.yaml for the first <paramref name="count"/> trials.</summary>
    public static string Folder(string root, int? count = null)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, $"job-{count?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "all"}")).FullName;
        var lines = count is null ? Results : Results.Take(count.Value).ToList();
        File.WriteAllLines(Path.Combine(dir, "results.jsonl"), lines.Select(l => l.Result));
        File.WriteAllLines(Path.Combine(dir, "telemetry.jsonl"), lines.Select(l => l.Telemetry));
        File.WriteAllText(Path.Combine(dir, "spec.yaml"), SpecText);
        return dir;
    }
}
