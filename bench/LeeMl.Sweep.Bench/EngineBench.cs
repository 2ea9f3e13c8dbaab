using LeeMl.Sweep.Tests;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LeeMl.Sweep.Cli.Client;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Jobs;
using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Cluster.Workers;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Learning.Training;

namespace LeeMl.Sweep.Bench;

/// <summary>
/// Whole-process measurements of the engine: separate coordinator and worker processes on
/// loopback, timed from the client. The sleeping trial exists only here.
/// </summary>
internal static class EngineBench
{
    private static string Dll => typeof(EngineBench).Assembly.Location;

    private static int FreePort() => FreePorts.Next();

    /// <summary>`node` mode: one cluster node whose trials sleep (--sleep-ms), fake epochs (--fake-epochs), or train for real.</summary>
    public static int Node(string[] args)
    {
        string Arg(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 ? args[i + 1] : fallback;
        var sleep = int.Parse(Arg("--sleep-ms", "-1"), CultureInfo.InvariantCulture);
        var fakeEpochs = int.Parse(Arg("--fake-epochs", "0"), CultureInfo.InvariantCulture);
        var standIn = sleep < 0 && fakeEpochs == 0 ? null : new StandInKind(sleep, fakeEpochs);
        var settings = new NodeSettings
        {
            Roles = [.. Arg("--roles", "worker").Split(',')], Port = int.Parse(Arg("--port", "0"), CultureInfo.InvariantCulture),
            SeedNodes = [.. Arg("--seed-nodes", "").Split(',')], Slots = int.Parse(Arg("--slots", "1"), CultureInfo.InvariantCulture),
            Db = Arg("--db", "bench.db"), LogLevel = "Error",
        };
        var store = settings.IsCoordinator ? LeeMl.Sweep.Store.SweepStores.Open(settings.Db).GetAwaiter().GetResult() : null;
        var runtime = new NodeRuntime(settings, store, embedded: false, store is null ? null : LeeMl.Sweep.Server.Reports.FolderRenderer.Instance) { JobFolder = id => Path.Combine(settings.JobsDirectory, id) };
        var worker = settings.IsWorker ? new WorkerOptions("", settings.Slots, null) { Kind = standIn } : null;
        var http = settings.IsCoordinator ? new LeeMl.Sweep.Server.Hosting.HttpEndpoint("127.0.0.1", int.Parse(Arg("--http", "0"), CultureInfo.InvariantCulture)) : null;
        using var host = LeeMl.Sweep.Server.Hosting.NodeHost.Build(runtime, worker, null, http, _ => { });
        Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.Run(host);
        return 0;
    }

    internal sealed class Cluster : IDisposable
    {
        private readonly List<CliProcess> _processes = [];
        public string Dir { get; } = Directory.CreateTempSubdirectory("leeml-bench-").FullName;
        public int CoordinatorPort { get; } = FreePort();
        public int HttpPort { get; } = FreePort();

        public Cluster(int workers, int slots, string[] extra)
        {
            var workerPorts = Enumerable.Range(0, workers).Select(_ => FreePort()).ToArray();
            var seeds = $"127.0.0.1:{CoordinatorPort},127.0.0.1:{workerPorts[0]}";
            Start(["node", "--roles", "coordinator", "--port", $"{CoordinatorPort}", "--seed-nodes", seeds, "--db", Path.Combine(Dir, "c.db"), "--http", $"{HttpPort}", .. extra]);
            foreach (var p in workerPorts)
                Start(["node", "--roles", "worker", "--port", $"{p}", "--seed-nodes", seeds, "--slots", $"{slots}", .. extra]);
        }

        /// <summary>The coordinator's process (the first started).</summary>
        public CliProcess Coordinator => _processes[0];

        private long _peak;

        /// <summary>The coordinator's peak resident memory so far (the kernel's high-water mark).</summary>
        public double CoordinatorPeakMiB()
        {
            _peak = Math.Max(_peak, Coordinator.PeakMemoryBytes);
            return _peak / 1048576.0;
        }

        private void Start(string[] args) => _processes.Add(new CliProcess(Dir, [], args, new Dictionary<string, string?>(), Dll));

        public void Dispose()
        {
            foreach (var p in _processes) p.Dispose();
            try { Directory.Delete(Dir, true); } catch (IOException) { }
        }
    }

    internal static async Task WaitForWorkers(SweepHttpClient client, int workers)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                var r = await client.Status();
                if (r.Nodes.Count(n => n.Slots > 0) >= workers) return;
            }
            catch (ClusterUnavailableException) { }
            if (i > 600) throw new TimeoutException("workers did not register");
            await Task.Delay(100);
        }
    }

    /// <summary>Submits a spec and times it: until every trial is stored, and until the job is done (final report written).</summary>
    private static async Task<(double AllStored, double Done, long Trials)> Time(int httpPort, int workers, string spec)
    {
        using var client = new SweepHttpClient([$"127.0.0.1:{httpPort}"], TimeSpan.FromSeconds(30));
        await WaitForWorkers(client, workers);
        var clock = Stopwatch.StartNew();
        var accepted = await client.Submit(new SubmitRequest(spec, "bench.yaml", []));
        double allStored = double.NaN;
        while (true)
        {
            var job = (await client.Job(accepted.Id!))!;
            if (double.IsNaN(allStored) && job.Done == job.Trials) allStored = clock.Elapsed.TotalSeconds;
            if (job.State == LeeMl.Sweep.Experiments.Jobs.JobState.Done) return (allStored, clock.Elapsed.TotalSeconds, accepted.Trials);
            await Task.Delay(20);
        }
    }

    private static string SeedsSpec(string name, int trials, string extra = "") => $$"""
        name: {{name}}
        data: { synthetic: blobs, samples: 100, features: 2 }
        models: [logistic]
        epochs: 1
        seeds: [{{string.Join(", ", Enumerable.Range(1, trials))}}]
        grid:
          optimizer: [ { name: sgd, lr: 0.1 } ]
        {{extra}}
        """;

    /// <summary>Ray Tune's release benchmark, scaled: 2,000 trials of 50 ms on 16 slots over two workers (ideal 6.25 s).</summary>
    public static async Task<int> Engine()
    {
        using var cluster = new Cluster(workers: 2, slots: 8, ["--sleep-ms", "50"]);
        const double ideal = 2000 * 0.050 / 16;
        // The same job twice on one cluster: the first pays the processes' one-time start-up (JIT of
        // the spec parser, planner and store paths); the second is what a long-lived cluster sees.
        foreach (var run in new[] { "first job, fresh cluster", "second job, same cluster" })
        {
            var (stored, done, trials) = await Time(cluster.HttpPort, 2, SeedsSpec("engine", 2000));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"engine ({run}): {trials} trials × 50 ms on 16 slots (2 workers × 8): all stored {stored:F2} s, job done {done:F2} s; ideal {ideal:F2} s; overhead {100 * (stored / ideal - 1):F1} % (to done: {100 * (done / ideal - 1):F1} %)"));
        }
        return 0;
    }

    /// <summary>
    /// The engine at scale: 100,000 trials of 10 ms on 64 slots over four worker processes (ideal
    /// 15.6 s), and the coordinator's CPU time per trial, read from its process.
    /// </summary>
    public static async Task<int> EngineAtScale()
    {
        const int trials = 100_000, workers = 4, slots = 16;
        const double ideal = trials * 0.010 / (workers * slots);
        using var cluster = new Cluster(workers, slots, ["--sleep-ms", "10"]);
        var spec = SeedsSpec("engine-100k", 1000, "").Replace("optimizer: [ { name: sgd, lr: 0.1 } ]",
            $"optimizer: [{string.Join(", ", Enumerable.Range(1, 100).Select(i => $"{{ name: sgd, lr: {i * 0.001:0.###} }}"))}]", StringComparison.Ordinal);
        var coordinator = cluster.Coordinator;
        var cpuBefore = coordinator.ProcessorTime;
        var (stored, done, count) = await Time(cluster.HttpPort, workers, spec + "\nmax_trials: 100000\n");
        var cpu = (coordinator.ProcessorTime - cpuBefore).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"engine at scale: {count} trials × 10 ms on {workers * slots} slots ({workers} workers × {slots}): all stored {stored:F2} s, job done {done:F2} s; ideal {ideal:F2} s; " +
            $"overhead {100 * (stored / ideal - 1):F1} % (to done: {100 * (done / ideal - 1):F1} %); coordinator CPU {cpu:F2} s = {1e6 * cpu / count:F0} µs per trial; coordinator peak memory {cluster.CoordinatorPeakMiB():F0} MiB"));
        return 0;
    }

    /// <summary>100 jobs of 1,000 tiny trials each, submitted at once to a coordinator and two workers: all complete; the coordinator's peak memory.</summary>
    public static async Task<int> ManyJobs()
    {
        const int jobs = 100, workers = 2;
        using var cluster = new Cluster(workers, slots: 2, []);
        using var client = new SweepHttpClient([$"127.0.0.1:{cluster.HttpPort}"], TimeSpan.FromSeconds(60));
        await WaitForWorkers(client, workers);
        var clock = Stopwatch.StartNew();
        var submitted = await Task.WhenAll(Enumerable.Range(0, jobs).Select(i =>
            client.Submit(new SubmitRequest(SeedsSpec($"job{i:000}", 1000), $"job{i}.yaml", []))));
        var ids = submitted.Select(s => s.Id ?? throw new InvalidOperationException(s.Error)).ToList();
        var submittedIn = clock.Elapsed.TotalSeconds;
        while (true)
        {
            var views = await Task.WhenAll(ids.Select(id => client.Job(id)));
            if (views.All(v => v!.State.IsOver()))
            {
                var doneCount = views.Count(v => v!.State == LeeMl.Sweep.Experiments.Jobs.JobState.Done);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"many jobs: {jobs} jobs × 1,000 trials submitted in {submittedIn:F2} s; {doneCount} of {jobs} done ({views.Sum(v => v!.Done)} trials) after {clock.Elapsed.TotalSeconds:F1} s; coordinator peak memory {cluster.CoordinatorPeakMiB():F0} MiB"));
                return doneCount == jobs ? 0 : 1;
            }
            await Task.Delay(500);
        }
    }

    /// <summary>Per-epoch results that reach the coordinator and are committed to its database, per second.</summary>
    public static async Task<int> Throughput()
    {
        const int trials = 2000, epochs = 100;
        using var cluster = new Cluster(workers: 2, slots: 4, ["--fake-epochs", $"{epochs}"]);
        var (stored, _, _) = await Time(cluster.HttpPort, 2, SeedsSpec("throughput", trials));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"throughput: {trials * epochs} per-epoch results in {trials} trial results stored in {stored:F2} s: {trials * epochs / stored:F0} epoch results/s ({trials / stored:F0} trial results/s)"));
        return 0;
    }

    /// <summary>CPU-bound trials (MLPs on 4,000 rows): one worker process against two, one slot each, on this machine.</summary>
    public static async Task<int> Scaling()
    {
        // Two kinds of CPU-bound trial, 24 of each, about 0.7 s alone: one whose training set stays
        // in the core's cache (4,000 rows, 256 KB, 400 epochs) and one that streams 3 MB per pass
        // (48,000 rows, 40 epochs), whose two copies side by side share the memory system.
        (string Name, int Samples, int Epochs)[] kinds = [("cache-resident", 5000, 400), ("memory-streaming", 60000, 40)];
        foreach (var (name, samples, epochs) in kinds)
        {
            var spec = $$"""
                name: scaling
                data: { synthetic: blobs, samples: {{samples}}, features: 8, seed: 3 }
                models: [{ name: mlp, hidden: 64 }]
                epochs: {{epochs}}
                seeds: [1, 2, 3, 4, 5, 6]
                grid:
                  optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
                  schedule: [ none, { name: one-cycle } ]
                """;
            // Alternated three times each, medians compared: this VM's speed drifts by tens of percent
            // over a minute, which a single pair of runs would take for the engine's scaling.
            var times = new Dictionary<int, List<double>> { [1] = [], [2] = [] };
            for (var round = 0; round < 3; round++)
                foreach (var workers in new[] { 1, 2 })
                {
                    using var cluster = new Cluster(workers, slots: 1, []);
                    times[workers].Add((await Time(cluster.HttpPort, workers, spec)).AllStored);
                }
            static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
            static string List(List<double> xs) => string.Join(", ", xs.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)));
            double one = Median(times[1]), two = Median(times[2]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"scaling ({name}: {samples} rows, {epochs} epochs): 24 MLP trials, 1 worker {one:F2} s [{List(times[1])}], 2 workers {two:F2} s [{List(times[2])}]: speed-up {one / two:F2}× (medians)"));
        }
        return 0;
    }

    /// <summary>The coordinator's state for one job of 100,000 planned trials: bytes per trial.</summary>
    public static int Memory()
    {
        var spec = SpecParser.Parse($$"""
            name: memory
            data: { synthetic: blobs }
            models: [logistic, { name: mlp, hidden: 32 }]
            max_trials: 200000
            seeds: [{{string.Join(", ", Enumerable.Range(1, 125))}}]
            grid:
              optimizer: [ { name: sgd, lr: 0.1 }, { name: sgdm, lr: 0.05 }, { name: nag, lr: 0.05 }, { name: adam, lr: 0.003 }, { name: adamw, lr: 0.003 },
                           { name: nadam }, { name: radam }, { name: amsgrad }, { name: adagrad }, { name: rmsprop } ]
              schedule: [ none, { name: cosine }, { name: one-cycle }, { name: cyclic, step_size_up: 100 }, { name: step, step_size: 100 } ]
              warmup: [ none, { steps: 10 }, { steps: 50 }, { steps: 100 } ]
              gradient_noise: [ none, { eta: 0.01 } ]
            """, "memory.yaml");
        var plan = new TrialPlan(spec);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(true);
        var job = new JobMachine("j", spec.Name, plan, new JobSettings());
        var after = GC.GetTotalMemory(true);
        GC.KeepAlive(job);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory: {plan.Count} planned trials held by the job's coordinator: {(after - before) / 1048576.0:F2} MiB, {(double)(after - before) / plan.Count:F1} bytes per trial"));
        return 0;
    }

    /// <summary>Test accuracy on Adult after the peer's 5 epochs (batch 64), for the table beside PyTorch's.</summary>
    public static int AdultAccuracy()
    {
        var split = LeeMl.Sweep.Learning.Data.NamedDatasets.Load("adult", BenchPaths.Data);
        foreach (var model in new[] { "logistic", "mlp64" })
            foreach (var opt in new[] { "sgdm", "adam" })
            {
                LeeMl.Sweep.Learning.Models.IDifferentiableModel m = model == "logistic"
                    ? new LeeMl.Sweep.Learning.Models.LogisticRegression(108, false)
                    : new LeeMl.Sweep.Learning.Models.NeuralNet(108, 2, [64]);
                var spec = opt == "sgdm" ? new LeeMl.Sweep.Optim.Hyper.ComponentSpec("sgdm").With("lr", 0.01).With("momentum", 0.9)
                    : new LeeMl.Sweep.Optim.Hyper.ComponentSpec("adam").With("lr", 1e-3);
                var fit = Trainer.Fit(m, LeeMl.Sweep.Optim.Updater.Create(spec, m.ParameterCount), split.Train, null, new TrainOptions(5, 64));
                var acc = LeeMl.Sweep.Learning.Models.Classifiers.Evaluate(m, fit.Parameters, split.Test!).Accuracy;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{model,-8} {opt,-5} test accuracy after 5 epochs {100 * acc:F2} %"));
            }
        return 0;
    }
}
