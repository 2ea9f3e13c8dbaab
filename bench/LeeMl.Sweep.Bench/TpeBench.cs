using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LeeMl.Sweep.Cli.Client;
using LeeMl.Sweep.Cluster.Service;

namespace LeeMl.Sweep.Bench;

/// <summary>
/// TPE against random search and against Optuna's TPE, side by side in one run: Hartmann-6 and
/// Branin, 50 trials, search seeds 0-9, the best value of each search and the median over the
/// seeds. Ours run as jobs on a coordinator and two one-slot workers (parallelism 4); Optuna's
/// peer (bench/peers/optuna_functions.py) runs in one process, one trial after another. Then the
/// time of one proposal with 10,000 results to learn from.
/// </summary>
internal static class TpeBench
{
    private static string Spec(string function, string search) => function == "branin"
        ? $"name: branin\nfunction: {{ name: branin }}\ngrid: {{ x1: {{ uniform: [-5, 10] }}, x2: {{ uniform: [0, 15] }} }}\nsearch: {search}\n"
        : "name: h6\nfunction: { name: hartmann6 }\nobjective: { metric: value, goal: minimize }\n" +
          "grid: { x1: { uniform: [0, 1] }, x2: { uniform: [0, 1] }, x3: { uniform: [0, 1] }, x4: { uniform: [0, 1] }, x5: { uniform: [0, 1] }, x6: { uniform: [0, 1] } }\n" +
          $"search: {search}\n";

    private static string F(double v, string f = "F4") => v.ToString(f, CultureInfo.InvariantCulture);

    private static double Median(List<double> v)
    {
        v.Sort();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    public static async Task<int> Run()
    {
        const int seeds = 10, trials = 50;
        using var cluster = new EngineBench.Cluster(workers: 2, slots: 1, []);
        using var client = new SweepHttpClient([$"127.0.0.1:{cluster.HttpPort}"], TimeSpan.FromSeconds(30));
        await EngineBench.WaitForWorkers(client, 2);
        Console.WriteLine($"best value after {trials} trials, median over search seeds 0-{seeds - 1}; ours on a coordinator and two workers, TPE with parallelism 4");
        var clock = Stopwatch.StartNew();
        foreach (var function in new[] { "hartmann6", "branin" })
            foreach (var (label, search) in new[]
            {
                ("tpe", "{ method: tpe, samples: 50, seed: SEED, parallelism: 4 }"),
                ("tpe-multivariate", "{ method: tpe, samples: 50, seed: SEED, parallelism: 4, multivariate: true }"),
                ("random", "{ method: random, samples: 50, seed: SEED }"),
            })
            {
                var bests = new List<double>();
                var waited = new List<double>();
                var started = clock.Elapsed;
                for (var seed = 0; seed < seeds; seed++)
                {
                    var text = Spec(function, search.Replace("SEED", seed.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
                    var job = (await client.Submit(new SubmitRequest(text, "bench.yaml", []))).Id!;
                    while ((await client.Job(job))!.State != Experiments.Jobs.JobState.Done) await Task.Delay(20);
                    var dir = Path.Combine(cluster.Dir, job);
                    await client.WriteJobData(job, dir);
                    bests.Add(File.ReadLines(Path.Combine(dir, "results.jsonl")).Min(l => JsonDocument.Parse(l).RootElement.GetProperty("objective").GetDouble()));
                }
                var best = bests.Min();
                var worst = bests.Max();
                Console.WriteLine($"{function,-10} {label,-17} median {F(Median(bests))}  (best {F(best)}, worst {F(worst)}; {F((clock.Elapsed - started).TotalSeconds, "F1")} s for {seeds} jobs)");
            }
        Peer();
        ProposalTime();
        return 0;
    }

    /// <summary>
    /// UCI Adult (deploy/sweeps/adult-tpe.yaml: logistic and an MLP; learning rate, momentum, width,
    /// batch size): per search seed, the best validation accuracy of TPE's 48 trials against that of
    /// a 96-trial random search of the same space, and the trial at which TPE first reached it.
    /// </summary>
    public static async Task<int> Adult()
    {
        const int seeds = 5;
        var template = File.ReadAllText(Path.Combine(BenchPaths.Root, "deploy", "sweeps", "adult-tpe.yaml"));
        const string tpeSearch = "method: tpe, samples: 24, seed: 1, parallelism: 1";
        if (!template.Contains(tpeSearch, StringComparison.Ordinal)) throw new InvalidOperationException("adult-tpe.yaml's search line changed");
        using var cluster = new EngineBench.Cluster(workers: 2, slots: 1, []);
        using var client = new SweepHttpClient([$"127.0.0.1:{cluster.HttpPort}"], TimeSpan.FromSeconds(30));
        await EngineBench.WaitForWorkers(client, 2);
        async Task<List<(long Sample, double Validation)>> Job(string search)
        {
            var job = (await client.Submit(new SubmitRequest(template.Replace(tpeSearch, search, StringComparison.Ordinal), "adult-tpe.yaml", []))).Id!;
            while ((await client.Job(job))!.State != Experiments.Jobs.JobState.Done) await Task.Delay(50);
            var dir = Path.Combine(cluster.Dir, job);
            await client.WriteJobData(job, dir);
            return [.. File.ReadLines(Path.Combine(dir, "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
                .Select(r => (r.TryGetProperty("sample", out var s) ? s.GetInt64() : -1, r.GetProperty("validation_accuracy").GetDouble()))];
        }
        Console.WriteLine("UCI Adult, logistic and MLP (lr, momentum, width, batch size), 4 epochs; ours on a coordinator and two one-slot workers");
        Console.WriteLine("search seed | random, 96 trials: best validation | its first 48 | TPE, 48 trials: best validation | TPE's first trial at or above random's best");
        var (randomBests, tpeBests) = (new List<double>(), new List<double>());
        var clock = Stopwatch.StartNew();
        for (var seed = 1; seed <= seeds; seed++)
        {
            var random = await Job($"method: random, samples: 48, seed: {seed}");
            var tpe = await Job($"method: tpe, samples: 24, seed: {seed}, parallelism: 1");
            var random48 = await Job($"method: random, samples: 24, seed: {seed}");   // the random search's first 48 trials: its draws are those of its samples 0-23
            var randomBest = random.Max(r => r.Validation);
            // TPE's trials in the order it proposed them (sample by sample, cell by cell in key order, as the report counts them).
            var ordered = tpe.Select((t, i) => (t.Sample, i, t.Validation)).OrderBy(t => t.Sample).ThenBy(t => t.i).ToList();
            var reached = ordered.FindIndex(t => t.Validation >= randomBest);
            randomBests.Add(randomBest);
            tpeBests.Add(tpe.Max(t => t.Validation));
            Console.WriteLine($"{seed,11} | {F(100 * randomBest, "F2")} % ({random.Count} trials) | {F(100 * random48.Max(r => r.Validation), "F2")} % ({random48.Count}) | {F(100 * tpeBests[^1], "F2")} % ({tpe.Count} trials) | " +
                (reached < 0 ? "not reached" : $"trial {reached + 1}"));
        }
        Console.WriteLine($"median over {seeds} search seeds: random 96 trials {F(100 * Median([.. randomBests]), "F2")} %, TPE 48 trials {F(100 * Median([.. tpeBests]), "F2")} % " +
            $"(TPE ≥ random in {tpeBests.Zip(randomBests).Count(p => p.First >= p.Second)} of {seeds} seeds; {F(clock.Elapsed.TotalSeconds, "F1")} s)");
        return 0;
    }

    private static void Peer()
    {
        if (!File.Exists("/usr/bin/python3"))
        {
            Console.WriteLine("Optuna: skipped (needs Debian's python3-optuna)");
            return;
        }
        using var p = Process.Start(new ProcessStartInfo("/usr/bin/python3", [Path.Combine(BenchPaths.Root, "bench", "peers", "optuna_functions.py"), "--trials", "50", "--seeds", "10"])
            { UseShellExecute = false, RedirectStandardError = true })!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
    }

    /// <summary>
    /// One proposal of a 6-dimensional search whose cell has 10,000 results (and 4 trials in flight),
    /// univariate and multivariate, as a job's ledger makes it: the newest result joins the kept
    /// history, then the proposal is computed.
    /// </summary>
    public static int ProposalTime()
    {
        var dims = Enumerable.Repeat(Experiments.Search.TpeDimension.Continuous, 6).ToArray();
        var rng = new LeeMl.Sweep.Optim.Noise.Xoshiro256(7);
        double[] Point() => [.. Enumerable.Range(0, 6).Select(_ => rng.NextDouble())];
        var pending = Enumerable.Range(0, 4).Select(_ => Point()).ToList();
        foreach (var multivariate in new[] { false, true })
        {
            var history = new Experiments.Search.TpeHistory(6);
            while (history.Count < 10_000 - 3)
            {
                var x = Point();
                history.Add(x, Experiments.Functions.TestFunction.Hartmann6(x));
            }
            var settings = new Experiments.Search.TpeSettings(Multivariate: multivariate);
            for (var warm = 0; warm < 3; warm++)
            {
                var x = Point();
                history.Add(x, Experiments.Functions.TestFunction.Hartmann6(x));
                Experiments.Search.Tpe.Propose(dims, history, settings, ref rng, pending);
            }
            var clock = Stopwatch.StartNew();
            const int n = 50;
            for (var i = 0; i < n; i++)
            {
                var x = Point();
                history.Add(x, Experiments.Functions.TestFunction.Hartmann6(x));
                Experiments.Search.Tpe.Propose(dims, history, settings, ref rng, pending);
            }
            Console.WriteLine($"proposal time with 10,001 to 10,050 results to learn from ({(multivariate ? "multivariate" : "univariate")}, 6 dimensions, 24 candidates, " +
                $"the newest result added to the kept history each time): {F(clock.Elapsed.TotalMilliseconds / n, "F2")} ms (goal: under 10 ms)");
        }
        return 0;
    }
}
