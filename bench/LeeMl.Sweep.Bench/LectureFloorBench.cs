using System.Diagnostics;
using System.Globalization;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Trials;

namespace LeeMl.Sweep.Bench;

/// <summary>
/// The floor under a whole `run` of a grid: its trials alone, trained in this process by the code
/// the workers run (no actors, store or report), once warm, on one thread and on two threads side
/// by side. A whole run cannot be faster than this plus the runtime's start; the 1-thread pass
/// also says which kind of trial the time goes to.
/// </summary>
internal static class LectureFloorBench
{
    public static int Run(string[] args)
    {
        if (args is ["--help" or "-h", ..] || args.Length > 1)
        {
            Console.Error.WriteLine("usage: lecture-floor [SPEC]   trains a grid's trials in this process, warm, on 1 and 2 threads [default: bench/specs/peer-lecture-grid.yaml]");
            return args.Length > 1 ? 2 : 0;
        }
        var file = args.FirstOrDefault() ?? Path.Combine(BenchPaths.Root, "bench", "specs", "peer-lecture-grid.yaml");
        SweepSpec spec;
        try
        {
            spec = SpecParser.ParseFile(file);
        }
        catch (SpecException e)
        {
            Console.Error.WriteLine($"lecture-floor: {e.Message}");
            return 2;
        }
        var plan = new TrialPlan(spec);
        if (spec.Program is not null || spec.Function is not null || plan.IsTpe)
        {
            Console.Error.WriteLine($"lecture-floor: {file} runs a program, a test function or a TPE search; the floor is measured for classifier trials planned ahead (a grid, random or Sobol)");
            return 2;
        }
        var trials = plan.All().ToArray();
        var data = new DataLoader(Environment.GetEnvironmentVariable("LEEML_DATA"), Path.GetDirectoryName(Path.GetFullPath(file)));
        _ = Train(spec, trials, data, threads: 2, byKind: null);   // compiled and warm, data split and held
        string F(double x) => x.ToString("F0", CultureInfo.InvariantCulture);
        for (var round = 1; round <= 5; round++)
        {
            var kinds = new Dictionary<string, (double Ms, int Count)>();
            var one = Train(spec, trials, data, threads: 1, kinds);
            var two = Train(spec, trials, data, threads: 2, byKind: null);
            Console.WriteLine($"round {round}: {trials.Length} trials on 1 thread {F(one)} ms, on 2 threads {F(two)} ms ({(one / two).ToString("F2", CultureInfo.InvariantCulture)}×); " +
                string.Join(", ", kinds.Select(k => $"{k.Key} {(k.Value.Ms / k.Value.Count).ToString("F1", CultureInfo.InvariantCulture)} ms × {k.Value.Count}")));
        }
        return 0;
    }

    /// <summary>Every trial to its end, each thread taking the next; wall milliseconds.</summary>
    private static double Train(SweepSpec spec, TrialSpec[] trials, DataLoader data, int threads, Dictionary<string, (double Ms, int Count)>? byKind)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < trials.Length)
            {
                var started = Stopwatch.GetTimestamp();
                using (var trial = ClassifierTrial.Start(spec, trials[i], data))
                {
                    trial.RunUntil(spec.Epochs, null, CancellationToken.None);
                    trial.Result();
                }
                if (byKind is null) continue;
                var kind = trials[i].Model.Name + (trials[i].Noise is null ? "" : " + noise");
                var (ms, count) = byKind.GetValueOrDefault(kind);
                byKind[kind] = (ms + Stopwatch.GetElapsedTime(started).TotalMilliseconds, count + 1);   // one thread: no race
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        return clock.Elapsed.TotalMilliseconds;
    }
}
