using LeeMl.Sweep.Tests;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace LeeMl.Sweep.Bench;

/// <summary>
/// Early stopping against the full search, side by side in one run on two real datasets: the same
/// random search (96 trials) with ASHA and without, each a whole `run`: epochs trained, best
/// validation accuracy, wall time, and how busy the slots were (training seconds over slots × wall).
/// </summary>
internal static class SearchBench
{

    private static string Spec(string data, string model, int epochs, bool asha) => $$"""
        name: search-bench
        data: { name: {{data}} }
        models: [{{model}}]
        epochs: {{epochs}}
        seeds: [1]
        search: { method: random, samples: 48, seed: 7 }
        {{(asha ? "early_stopping: { method: asha, metric: validation_accuracy, grace_epochs: 1, reduction: 3 }" : "")}}
        grid:
          optimizer: [ { name: sgdm, lr: { log_uniform: [0.0001, 0.3] } }, { name: adam, lr: { log_uniform: [0.0001, 0.1] } } ]
        """;

    private sealed record Outcome(double Seconds, long Epochs, double Best, int Trials, double Busy);

    private static Outcome Run(string dir, string name, string spec)
    {
        var file = Path.Combine(dir, name + ".yaml");
        File.WriteAllText(file, spec);
        var clock = Stopwatch.StartNew();
        var run = CliProcess.Run(dir, ["run", file, "--out", name, "--slots", "2"], timeout: TimeSpan.FromHours(1));
        var seconds = clock.Elapsed.TotalSeconds;
        if (run.ExitCode != 0) throw new InvalidOperationException($"run {name} exited {run.ExitCode}: {run.Stderr}");
        var results = File.ReadAllLines(Path.Combine(dir, name, "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var training = File.ReadAllLines(Path.Combine(dir, name, "telemetry.jsonl")).Sum(l => JsonDocument.Parse(l).RootElement.GetProperty("seconds").GetDouble());
        return new Outcome(seconds, results.Sum(r => (long)r.GetProperty("epochs").GetArrayLength()),
            results.Max(r => r.GetProperty("validation_accuracy").ValueKind == JsonValueKind.Number ? r.GetProperty("validation_accuracy").GetDouble() : 0), results.Count, training / (2 * seconds));
    }

    public static int Run()
    {
        var dir = Directory.CreateTempSubdirectory("leeml-search-").FullName;
        try
        {
            foreach (var (data, model, epochs) in new[] { ("adult", "logistic", 27), ("digits", "softmax", 27) })
            {
                var full = Run(dir, $"{data}-full", Spec(data, model, epochs, asha: false));
                var asha = Run(dir, $"{data}-asha", Spec(data, model, epochs, asha: true));
                string F(double x, string f = "F2") => x.ToString(f, CultureInfo.InvariantCulture);
                Console.WriteLine($"{data}, {model}, {asha.Trials} trials × {epochs} epochs (random search, SGDM and Adam, log-uniform lr): " +
                    $"ASHA trained {asha.Epochs:N0} epochs = {F(100.0 * asha.Epochs / full.Epochs, "F1")} % of the full search's {full.Epochs:N0}; " +
                    $"best validation {F(100 * asha.Best)} % against {F(100 * full.Best)} % ({F(100 * (asha.Best - full.Best), "+0.00;-0.00")} points); " +
                    $"wall {F(asha.Seconds)} s against {F(full.Seconds)} s; slots busy {F(100 * asha.Busy, "F0")} % against {F(100 * full.Busy, "F0")} %");
            }
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
