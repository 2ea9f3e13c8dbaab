using System.Diagnostics;
using System.Globalization;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Bench;

/// <summary>
/// Results committed per second by each store, as the job entity commits them: group commits of
/// what arrived during the previous commit, each result with its summary, a 10-epoch curve and
/// its telemetry. One transaction per result (no grouping) is measured beside it.
/// </summary>
internal static class StoreBench
{
    public static async Task<int> Run()
    {
        using var postgres = PostgresServer.Durable();   // fsync on, as a real server runs
        var stores = new (string Name, Func<Task<ISweepStore>> Open)[]
        {
            ("sqlite", () => SweepStores.Open(Path.Combine(Directory.CreateTempSubdirectory("leeml-store-bench-").FullName, "s.db"))),
            ("postgresql", () => SweepStores.Open(postgres.NewDatabase(), PostgresServer.Password)),
        };
        foreach (var (name, open) in stores)
            foreach (var batch in new[] { 1, 64, 256 })
            {
                await using var store = await open();
                var trials = batch == 1 ? 2000 : 20000;
                var job = $"bench-{batch}";
                await store.CreateJob(new NewJob(job, "bench", "name: bench", "[]", trials));
                var claim = (await store.ClaimJob(job, "bench"))!;
                var writes = Enumerable.Range(0, trials).Select(i => Write(i)).ToList();
                var clock = Stopwatch.StartNew();
                foreach (var chunk in writes.Chunk(batch)) await store.Commit(job, claim.Epoch, chunk, []);
                var seconds = clock.Elapsed.TotalSeconds;
                var stored = (await store.GetJob(job))!.Counts.Done;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"store {name,-10} {batch,3} results per commit: {stored} results in {seconds:F2} s = {stored / seconds:F0} results/s"));
            }
        return 0;
    }

    private static ResultWrite Write(int i)
    {
        var r = new TrialResult($"mlp(hidden=64)|adam(lr=0.003)|one-cycle|warmup(steps=100)|-|seed={i}", "mlp(hidden=64)", "adam(lr=0.003)", "one-cycle",
            "warmup(steps=100)", null, i, TrialOutcome.Completed, null, null, 0.91, 0.88, 0.87, 0.21, 0.25, 9, null,
            [.. Enumerable.Range(1, 10).Select(e => new EpochResult(e, e * 100L, 0.003 * e / 10, 0.5 / e, 0.8 + e / 100.0, 0.55 / e, 0.78 + e / 100.0, 1.0 / e))]);
        return new ResultWrite(i, r, ResultJson.Summary(r), [ResultJson.Chunk(r.Epochs)], "127.0.0.1:4054", 0.05, 1);
    }
}
