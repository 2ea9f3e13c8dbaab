using LeeMl.Sweep.Tests;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace LeeMl.Sweep.Bench;

/// <summary>
/// Whole-process figures of the leeml-sweep program at scale, side by side in one run: plan of a
/// million trials, run of 20,000 tiny trials, and the same 20,000 on a coordinator and two workers
/// (submit --wait), each with its wall time and peak resident memory.
/// </summary>
internal static class ScaleBench
{

    /// <summary>1,000 optimizers × 1,000 seeds of one tiny trial each.</summary>
    private static string MillionSpec() => $$"""
        name: million
        data: { synthetic: blobs, samples: 200, features: 4, seed: 1 }
        models: [logistic]
        epochs: 1
        max_trials: 1000000
        seeds: [{{string.Join(", ", Enumerable.Range(1, 1000))}}]
        grid:
          optimizer: [{{string.Join(", ", Enumerable.Range(1, 1000).Select(i => $"{{ name: sgd, lr: {i * 0.0001:0.####} }}"))}}]
        """;

    /// <summary>20,000 trials of 200 rows, one epoch, batch 32: 100 optimizers × 200 seeds (or as many seeds as given).</summary>
    internal static string TinySpec(int seeds = 200) => $$"""
        name: tiny
        data: { synthetic: blobs, samples: 200, features: 4, seed: 1 }
        models: [logistic]
        epochs: 1
        batch_size: 32
        max_trials: {{Math.Max(100_000, 100 * seeds)}}
        seeds: [{{string.Join(", ", Enumerable.Range(1, seeds))}}]
        grid:
          optimizer: [{{string.Join(", ", Enumerable.Range(1, 100).Select(i => $"{{ name: sgd, lr: {i * 0.001:0.###} }}"))}}]
        """;

    internal sealed record Measured(double Seconds, double PeakMiB, int ExitCode);

    /// <summary>Runs the program to its end, sampling the kernel's high-water mark of its memory as it goes.</summary>
    internal static Measured Measure(string dir, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        using var p = new CliProcess(dir, args);
        long peak = 0;
        while (!p.WaitForExit(TimeSpan.FromMilliseconds(10)))
        {
            try
            {
                peak = Math.Max(peak, p.PeakMemoryBytes);
            }
            catch (InvalidOperationException) { }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        return new Measured(seconds, peak / 1048576.0, p.ExitCode);
    }

    internal static CliProcess Node(string dir, params string[] args) => new(dir, args);

    internal static int FreePort() => FreePorts.Next();

    private static string Key(int lr, int seed) => $"logistic|sgd(lr={lr:000})|-|-|-|seed={seed}";

    private static string F(double x, string format = "F2") => x.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>
    /// Memory of whole jobs as they grow: `run` of 200,000 and 1,000,000 tiny trials, and the
    /// 200,000 on a coordinator and two one-slot workers, with each process's peak and whether the
    /// cluster's results.jsonl is the run's, byte for byte.
    /// </summary>
    public static int WholeJobs()
    {
        var dir = Directory.CreateTempSubdirectory("leeml-whole-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "t200k.yaml"), TinySpec(2_000));
            File.WriteAllText(Path.Combine(dir, "t1m.yaml"), TinySpec(10_000));
            foreach (var (spec, trials) in new[] { ("t200k.yaml", 200_000), ("t1m.yaml", 1_000_000) })
            {
                var run = Measure(dir, "run", spec, "--out", "run-" + trials);
                Console.WriteLine($"run, {trials:N0} tiny trials: {F(run.Seconds, "F1")} s, peak {F(run.PeakMiB, "F0")} MiB, exit {run.ExitCode} (bar: 400 MB)");
            }
            var (nodes, http) = StartCluster(dir, slots: 1);
            try
            {
                var submit = Measure(dir, "submit", "t200k.yaml", "--cluster", $"127.0.0.1:{http}", "--wait", "--out", "cluster-out");
                var identical = File.ReadAllBytes(Path.Combine(dir, "cluster-out", "results.jsonl")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "run-200000", "results.jsonl")));
                var peaks = string.Join(" / ", nodes.Select(n => F(n.PeakMemoryBytes / 1048576.0, "F0")));
                Console.WriteLine($"submit --wait, 200,000 tiny trials on a coordinator and two 1-slot workers: {F(submit.Seconds, "F1")} s; " +
                    $"peaks {peaks} MiB (coordinator / workers), client {F(submit.PeakMiB, "F0")} MiB; identical to run: {identical} (bar: 400 MB each)");
            }
            finally
            {
                foreach (var n in nodes) n.Dispose();
            }
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    public static int Run()
    {
        var dir = Directory.CreateTempSubdirectory("leeml-scale-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "million.yaml"), MillionSpec());
            File.WriteAllText(Path.Combine(dir, "tiny.yaml"), TinySpec());
            Measure(dir, "plan", "tiny.yaml", "--count");   // the first start pays the disk cache

            var plan = Measure(dir, "plan", "million.yaml");
            Console.WriteLine($"plan, 1,000,000 trials listed: {F(plan.Seconds)} s, peak {F(plan.PeakMiB, "F0")} MiB (bar: 5 s, 150 MB)");
            var count = Measure(dir, "plan", "million.yaml", "--count");
            Console.WriteLine($"plan --count, 1,000,000 trials: {F(count.Seconds)} s, peak {F(count.PeakMiB, "F0")} MiB");

            var run = Measure(dir, "run", "tiny.yaml", "--out", "run-out");
            var lines = File.ReadAllLines(Path.Combine(dir, "run-out", "results.jsonl"));
            var keys = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("key").GetString()!).ToList();
            var completed = lines.Count(l => l.Contains("\"outcome\":\"completed\"", StringComparison.Ordinal));
            Console.WriteLine($"run, 20,000 tiny trials: {F(run.Seconds)} s whole process ({F(20_000 / run.Seconds, "F0")} trials/s), peak {F(run.PeakMiB, "F0")} MiB; " +
                $"{completed} completed, sorted: {keys.SequenceEqual(keys.Order(StringComparer.Ordinal))} (bar: 6 s, 500 MB)");

            // Reports stream curves: 50,000 trials × 40 epochs written as a job folder, then `report DIR`.
            var folder = Directory.CreateDirectory(Path.Combine(dir, "report-job")).FullName;
            using (var w = new StreamWriter(Path.Combine(folder, "results.jsonl")))
                foreach (var (lr, seed) in Enumerable.Range(0, 500).SelectMany(l => Enumerable.Range(1, 100).Select(sd => (l, sd))).OrderBy(x => Key(x.l, x.sd), StringComparer.Ordinal))
                {
                    var curve = Enumerable.Range(1, 40).Select(e => new LeeMl.Sweep.Experiments.Results.EpochResult(e, e * 7L, 0.01, 0.5, 0.6 + lr / 2000.0, 0.6, 0.55 + lr / 2500.0, 0.1)).ToList();
                    w.WriteLine(LeeMl.Sweep.Experiments.Results.ResultJson.Line(new LeeMl.Sweep.Experiments.Results.TrialResult(Key(lr, seed), "logistic", $"sgd(lr={lr:000})", null, null, null, seed,
                        LeeMl.Sweep.Experiments.Results.TrialOutcome.Completed, null, null, 0.6 + lr / 2000.0, 0.55 + lr / 2500.0, double.NaN, 0.5, 0.6, 40, null, curve)));
                }
            var fileMiB = new FileInfo(Path.Combine(folder, "results.jsonl")).Length / 1048576.0;
            var report = Measure(dir, "report", folder);
            Console.WriteLine($"report DIR of 50,000 trials × 40 epochs (results.jsonl {F(fileMiB, "F0")} MiB, 2,000,000 epoch rows): {F(report.Seconds)} s, peak {F(report.PeakMiB, "F0")} MiB; " +
                $"curves.csv {F(new FileInfo(Path.Combine(folder, "curves.csv")).Length / 1048576.0, "F0")} MiB");

            var (nodes, http) = StartCluster(dir, slots: 2);
            try
            {
                var submit = Measure(dir, "submit", "tiny.yaml", "--cluster", $"127.0.0.1:{http}", "--wait", "--out", "cluster-out");
                var identical = File.ReadAllBytes(Path.Combine(dir, "cluster-out", "results.jsonl")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "run-out", "results.jsonl")));
                Console.WriteLine($"cluster (coordinator + 2 workers × 2 slots), the same 20,000: {F(submit.Seconds)} s from submit to the written files " +
                    $"({F(20_000 / submit.Seconds, "F0")} trials/s); identical to run: {identical}; coordinator peak {F(nodes[0].PeakMemoryBytes / 1048576.0, "F0")} MiB (bar: 10 s)");
            }
            finally
            {
                foreach (var n in nodes) n.Dispose();
            }
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>A coordinator (SQLite store) and two workers of <paramref name="slots"/> slots each, on loopback, once both workers have registered.</summary>
    internal static (CliProcess[] Nodes, int Http) StartCluster(string dir, int slots, params string[] workerOptions)
    {
        int c = FreePort(), http = FreePort(), w1 = FreePort(), w2 = FreePort();
        var seeds = $"127.0.0.1:{c},127.0.0.1:{w1}";
        var each = slots.ToString(CultureInfo.InvariantCulture);
        var nodes = new[]
        {
            Node(dir, "node", "--roles", "coordinator", "--port", $"{c}", "--seed-nodes", seeds, "--db", "cluster.db", "--http", $"{http}", "--jobs-dir", "jobs"),
            Node(dir, ["node", "--roles", "worker", "--port", $"{w1}", "--seed-nodes", seeds, "--slots", each, "--cache-dir", "cache1", .. workerOptions]),
            Node(dir, ["node", "--roles", "worker", "--port", $"{w2}", "--seed-nodes", seeds, "--slots", each, "--cache-dir", "cache2", .. workerOptions]),
        };
        for (var i = 0; Measure(dir, "status", "--cluster", $"127.0.0.1:{http}").ExitCode != 0 || !Registered(dir, http, 2); i++)
        {
            if (i > 120)
            {
                foreach (var n in nodes) n.Dispose();
                throw new TimeoutException("the cluster did not form");
            }
            Thread.Sleep(500);
        }
        return (nodes, http);
    }

    /// <summary>True once the cluster's status lists <paramref name="workers"/> workers with slots.</summary>
    private static bool Registered(string dir, int http, int workers)
    {
        var status = CliProcess.Run(dir, ["status", "--json", "--cluster", $"127.0.0.1:{http}"]);
        var json = status.Stdout;
        if (status.ExitCode != 0) return false;
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("slots").GetInt32() > 0) >= workers;
    }
}
