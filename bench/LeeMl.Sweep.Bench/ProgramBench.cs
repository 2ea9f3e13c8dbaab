using System.Diagnostics;
using System.Globalization;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Programs;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Trials;
using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Bench;

/// <summary>
/// Program trials: the engine's cost per trial beside the program's own time (1,000 trials of a
/// program that sleeps 0.1 s, on two workers of two slots), how fast a worker reads metric lines,
/// and the PyTorch example swept here and by Optuna in one Python process, side by side.
/// </summary>
public static class ProgramBench
{
    private const string Sleeper = "sleep 0.1; echo '@leeml {\"a\": 1}'";

    public static int Run()
    {
        var dir = Directory.CreateTempSubdirectory("leeml-bench-programs-").FullName;
        try
        {
            Overhead(dir);
            MetricLines(dir);
            AgainstOptuna(dir);
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>The worker's part only, against the program alone (a quick look while tuning the spawn).</summary>
    public static int Local()
    {
        var dir = Directory.CreateTempSubdirectory("leeml-bench-programs-").FullName;
        try
        {
            var (alone, worker) = (ProgramSeconds(50), WorkerSeconds(dir, 50));
            Console.WriteLine($"one slot: {F(worker * 1000, "F1")} ms a trial; the program alone {F(alone * 1000, "F1")} ms; the worker's own {F((worker - alone) * 1000, "F1")} ms");
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>The program alone, run one after another: what a trial costs without the engine.</summary>
    private static double ProgramSeconds(int times)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < times; i++)
        {
            using var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", Sleeper]) { RedirectStandardOutput = true, UseShellExecute = false })!;
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
        }
        return clock.Elapsed.TotalSeconds / times;
    }

    /// <summary>The sleeper as a program sweep of <paramref name="trials"/> trials (one drawn parameter each).</summary>
    private static string SleeperSpec(int trials) => $$"""
        name: sleeper
        program: { command: [sh, -c, "{{Sleeper.Replace("\"", "\\\"", StringComparison.Ordinal)}}"], objective: { metric: a } }
        epochs: 1
        grid: { n: { int_uniform: [1, 1000000000] } }
        search: { method: random, samples: {{trials}}, seed: 1 }
        """;

    /// <summary>The worker's part alone: the sleeper as program trials, one after another on one slot in this process.</summary>
    private static double WorkerSeconds(string dir, int times)
    {
        var spec = SpecParser.Parse(SleeperSpec(times), "sleeper.yaml");
        var plan = new TrialPlan(spec);
        var data = new DataLoader(new DataSources(DataFolder.Of(null), p => DataFile.FromPath(Path.Combine(dir, p))));
        var host = new TrialHost(new ProgramHost(Path.Combine(dir, "scratch")), []);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < times; i++)
        {
            using var trial = new ProgramTrialKind().Start(spec, plan.At(i), data, host);
            trial.RunUntil(1, null, CancellationToken.None);
            if (trial.Result().Outcome != Experiments.Results.TrialOutcome.Completed) throw new InvalidOperationException("the sleeper failed");
        }
        return clock.Elapsed.TotalSeconds / times;
    }

    private static void Overhead(string dir)
    {
        const int trials = 1000, slots = 4;
        File.WriteAllText(Path.Combine(dir, "sleeper.yaml"), SleeperSpec(trials));
        var alone = ProgramSeconds(50);
        var worker = WorkerSeconds(dir, 50);
        Console.WriteLine($"one slot in this process, trial after trial: {F(worker * 1000, "F1")} ms a trial against {F(alone * 1000, "F1")} ms for the program alone: " +
            $"{F((worker - alone) * 1000, "F1")} ms of the worker's own (folder, process group, limits, pipes, stop check)");
        var (nodes, http) = ScaleBench.StartCluster(dir, slots: 2, "--allow-programs", "--scratch-dir", Path.Combine(dir, "scratch"));
        try
        {
            var submit = ScaleBench.Measure(dir, "submit", "sleeper.yaml", "--cluster", $"127.0.0.1:{http}", "--wait", "--out", "sleeper-out");
            var done = File.ReadLines(Path.Combine(dir, "sleeper-out", "results.jsonl")).Count(l => l.Contains("\"outcome\":\"completed\"", StringComparison.Ordinal));
            var ideal = trials * alone / slots;
            var perTrial = (submit.Seconds - ideal) * slots / trials;
            // Each trial's time on its slot, from its start to its result (the worker's clock, in telemetry.jsonl).
            var onSlot = File.ReadLines(Path.Combine(dir, "sleeper-out", "telemetry.jsonl")).Average(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("seconds").GetDouble());
            Console.WriteLine($"program trials: {trials} of `sh -c '{Sleeper}'` on 2 workers × 2 slots, {done} completed: {F(submit.Seconds)} s from submit to the written files; " +
                $"the program alone {F(alone * 1000, "F1")} ms a run, so {F(ideal)} s on 4 slots with no engine; " +
                $"engine overhead {F(perTrial * 1000, "F1")} ms of slot time per trial, all told (spawn, parameters, metrics, commit, dispatch, reports; 3 nodes and 4 trials on 2 cores); " +
                $"on its slot a trial took {F(onSlot * 1000, "F1")} ms, {F((onSlot - alone) * 1000, "F1")} ms more than the program alone (goal: 15 ms)");
        }
        finally
        {
            foreach (var n in nodes) n.Dispose();
        }
    }

    /// <summary>One program printing metric lines as fast as Python can, read through the worker's own code (pump, parser, steps).</summary>
    private static void MetricLines(string dir)
    {
        const int lines = 100_000;   // epochs bounds the steps at 100,000
        var script = $"import sys\nw = sys.stdout.write\nfor i in range({lines}):\n    w('@leeml {{\"loss\": %d, \"acc\": 0.5}}\\n' % i)\n";
        File.WriteAllText(Path.Combine(dir, "lines.py"), script);
        var spec = SpecParser.Parse($"name: lines\nprogram: {{ command: [python3, lines.py], files: [lines.py], objective: {{ metric: acc }} }}\nepochs: {lines}\n", "lines.yaml");
        var data = new DataLoader(new DataSources(DataFolder.Of(null), p => DataFile.FromPath(Path.Combine(dir, p))) { Shipped = ["lines.py"] });
        var alone = Stopwatch.StartNew();
        using (var p = Process.Start(new ProcessStartInfo("python3", ["lines.py"]) { WorkingDirectory = dir, RedirectStandardOutput = true, UseShellExecute = false, Environment = { ["PYTHONUNBUFFERED"] = "1" } })!)
        {
            p.StandardOutput.BaseStream.CopyTo(Stream.Null);
            p.WaitForExit();
        }
        var pythonSeconds = alone.Elapsed.TotalSeconds;
        var clock = Stopwatch.StartNew();
        using var trial = new ProgramTrialKind().Start(spec, new TrialPlan(spec).At(0), data, new TrialHost(new ProgramHost(Path.Combine(dir, "scratch")), []));
        trial.RunUntil(lines, null, CancellationToken.None);
        var result = trial.Result();
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"metric lines: {result.Epochs.Count:N0} steps of `@leeml {{json}}` read in {F(seconds)} s = {F(result.Epochs.Count / seconds, "N0")} lines/s on one slot " +
            $"(python3 prints them unbuffered into a pipe in {F(pythonSeconds)} s = {F(lines / pythonSeconds, "N0")} lines/s alone) (goal: 10,000 lines/s per worker)");
    }

    /// <summary>The PyTorch example: 12 trials (random search, ASHA) here on 2 slots, and the same search by Optuna (random sampler, successive halving) with 2 threads.</summary>
    private static void AgainstOptuna(string dir)
    {
        var example = Path.Combine(BenchPaths.Root, "deploy", "sweeps", "torch-adult");
        if (!File.Exists("/usr/bin/python3") || RunPython("-c", "import torch, optuna") != 0)
        {
            Console.WriteLine("PyTorch vs Optuna: skipped (needs Debian's python3-torch and python3-optuna)");
            return;
        }
        var run = ScaleBench.Measure(dir, "run", Path.Combine(example, "sweep.yaml"), "--out", "torch-out", "--slots", "2");
        var results = File.ReadAllLines(Path.Combine(dir, "torch-out", "results.jsonl"));
        var best = results.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("validation_accuracy")).Where(v => v.ValueKind == System.Text.Json.JsonValueKind.Number).Max(v => v.GetDouble());
        var epochs = results.Sum(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("epochs").GetArrayLength());
        Console.WriteLine($"PyTorch on Adult, {results.Length} trials, random search + ASHA, `run` on 2 slots: {F(run.Seconds)} s, {epochs} epochs trained, best validation {F(100 * best)} %");
        var clock = Stopwatch.StartNew();
        var output = new System.Text.StringBuilder();
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(BenchPaths.Root, "bench", "peers", "optuna_torch_adult.py"), Path.Combine(example, "train.py")])
        {
            RedirectStandardOutput = true, UseShellExecute = false, Environment = { ["OMP_NUM_THREADS"] = "1" },
        };
        using (var p = Process.Start(start)!)
        {
            output.Append(p.StandardOutput.ReadToEnd());
            p.WaitForExit();
        }
        Console.WriteLine($"the same by Optuna in one process (2 threads): {F(clock.Elapsed.TotalSeconds)} s; {output.ToString().Trim()}");
    }

    private static int RunPython(params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo("/usr/bin/python3", args) { UseShellExecute = false, RedirectStandardError = true })!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }

    private static string F(double x, string format = "F2") => x.ToString(format, CultureInfo.InvariantCulture);
}
