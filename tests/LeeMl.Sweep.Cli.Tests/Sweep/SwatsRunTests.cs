using System.Text.Json;

namespace LeeMl.Sweep.Cli.Tests.Sweep;

/// <summary>SWATS in a sweep: the step where a trial switched to SGD is in its result line, in results.csv and in the reports; other lines are unchanged.</summary>
public sealed class SwatsRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-swats-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_grid_with_swats_beside_adam_records_where_each_swats_trial_switched()
    {
        var spec = Path.Combine(_dir, "swats.yaml");
        File.WriteAllText(spec, """
            name: swats
            data: { synthetic: blobs, samples: 4000, features: 8, label_noise: 0.1, seed: 7 }
            validation: 0.2
            models: [logistic]
            epochs: 30
            batch_size: 32
            seeds: [1, 2]
            grid:
              optimizer: [ { name: adam, lr: 0.003 }, { name: swats, lr: 0.003, eps: 1e-6 } ]
              warmup: [ { steps: 100 } ]
            """);
        var outDir = Path.Combine(_dir, "out");
        var run = CliRunner.InProcess("run", spec, "--out", outDir, "--slots", "2");
        Assert.True(run.ExitCode == 0, run.Stderr);

        var lines = File.ReadAllLines(Path.Combine(outDir, "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var switched = new Dictionary<string, long?>();
        foreach (var line in lines)
        {
            var key = line.GetProperty("key").GetString()!;
            long? step = line.TryGetProperty("switched_step", out var s) ? s.GetInt64() : null;
            if (key.Contains("adam(", StringComparison.Ordinal)) Assert.Null(step);   // only SWATS lines carry it
            else switched[key] = step;
        }
        Assert.Equal(2, switched.Count);
        var steps = 30 * (3200 / 32);
        Assert.Contains(switched.Values, s => s is > 1 && s <= steps);   // one of them switches during the run (the other runs Adam to the end)
        // The field comes before the epochs, which the store keeps apart and puts back at the end of the line.
        Assert.All(File.ReadAllLines(Path.Combine(outDir, "results.jsonl")).Where(l => l.Contains("switched_step", StringComparison.Ordinal)),
            l => Assert.True(l.IndexOf("\"switched_step\"", StringComparison.Ordinal) < l.IndexOf("\"epochs\"", StringComparison.Ordinal), l));

        var csv = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
        Assert.EndsWith(",switched_step,objective,metrics", csv[0]);   // a program trial's objective and metrics follow, empty here
        foreach (var (key, step) in switched)
            Assert.EndsWith("," + step + ",,", csv.Single(r => r.StartsWith(Learning.Data.CsvFile.Field(key) + ",", StringComparison.Ordinal)));

        var md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("## Where SWATS switched to SGD", md);
        Assert.Contains($"{switched.Values.Count(s => s is not null)} of 2 SWATS trials switched", md);
        Assert.Contains("id=\"switch-summary\"", File.ReadAllText(Path.Combine(outDir, "report.html")));
    }
}
