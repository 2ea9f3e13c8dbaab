using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Cluster.Workers;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Reporting;
using LeeMl.Sweep.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace LeeMl.Sweep.Cluster.Tests.Supervision;

/// <summary>
/// No failure of the store stops a coordinator for good: a store that throws while a job
/// recovers (in the actor's start and in its first reads) and while the dispatcher scans for open
/// jobs only delays the job, which completes with the results of an undisturbed run.
/// </summary>
public sealed class RecoveryFaultTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-recovery-").FullName;

    private const string Spec = """
        name: recovery
        data: { synthetic: blobs, samples: 300, features: 3, seed: 2 }
        models: [logistic, gaussian-shared]
        epochs: 3
        seeds: [1, 2]
        grid:
          optimizer: [ { name: sgd, lr: 0.1 }, { name: adam, lr: 0.01 } ]
        """;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_job_whose_recovery_throws_still_completes_with_the_results_of_an_undisturbed_run()
    {
        var clean = await RunEmbedded("clean", s => s);
        FaultyStore? faulty = null;
        var disturbed = await RunEmbedded("faulty", s => faulty = new FaultyStore(s));
        Assert.True(faulty!.Injected >= 4, $"faults injected: {faulty.Injected}");
        Assert.Equal(clean, disturbed);
    }

    /// <summary>One job on an embedded node over <paramref name="wrap"/>(its SQLite store); its results.jsonl.</summary>
    private async Task<string> RunEmbedded(string name, Func<ISweepStore, ISweepStore> wrap)
    {
        var dir = Path.Combine(_dir, name);
        Directory.CreateDirectory(dir);
        var settings = new NodeSettings { Roles = [NodeRoles.Coordinator, NodeRoles.Worker], Port = 0, Slots = 2, Db = Path.Combine(dir, "sweep.db") };
        await using var sqlite = await SweepStores.Open(settings.Db);
        var store = wrap(sqlite);
        var runtime = new NodeRuntime(settings, store, embedded: true, LeeMl.Sweep.Server.Reports.FolderRenderer.Instance) { JobFolder = _ => dir };
        using var host = NodeHost.Build(runtime, new WorkerOptions("", 2, null) { Cache = new(Path.Combine(dir, ".data"), 1 << 20) }, null, null, _ => { });
        await host.StartAsync();
        try
        {
            await runtime.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            var api = host.Services.GetRequiredService<JobService>();
            var reply = await api.Submit(new SubmitRequest(Spec, "recovery.yaml", []));
            Assert.Null(reply.Error);
            var end = DateTime.UtcNow.AddSeconds(90);
            JobView? view = null;
            while (DateTime.UtcNow < end && (view = await api.Job(reply.Id!)) is not { State: JobState.Done }) await Task.Delay(100);
            Assert.Equal(JobState.Done, view?.State);
            await JobFiles.WriteData(sqlite, (await sqlite.GetJob(reply.Id!))!, dir);
            return File.ReadAllText(Path.Combine(dir, "results.jsonl"));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>The real store, but its first claim throws in the caller's frame, its second fails as a task, its first reads of finished trials fail, and so do the dispatcher's first scans.</summary>
    private sealed class FaultyStore(ISweepStore inner) : ISweepStore
    {
        private int _claims, _done, _scans, _injected;

        public int Injected => _injected;

        private Exception Fault(string where)
        {
            Interlocked.Increment(ref _injected);
            return new InvalidOperationException($"injected fault in {where}");
        }

        public StoreIdentity Identity => inner.Identity;

        public Task AppendLog(string jobId, long index, string key, int attempt, long offset, string text, CancellationToken cancel = default) =>
            inner.AppendLog(jobId, index, key, attempt, offset, text, cancel);

        public Task<Experiments.Programs.TrialLog?> Log(string jobId, string key, CancellationToken cancel = default) => inner.Log(jobId, key, cancel);

        public Task<JobClaim?> ClaimJob(string id, string node, CancellationToken cancel = default) => Interlocked.Increment(ref _claims) switch
        {
            1 => throw Fault("ClaimJob"),
            2 => Task.FromException<JobClaim?>(Fault("ClaimJob")),
            _ => inner.ClaimJob(id, node, cancel),
        };

        public IAsyncEnumerable<(long Index, TrialOutcome Outcome, double Seconds)> Done(string jobId, CancellationToken cancel = default) =>
            Interlocked.Increment(ref _done) == 1 ? throw Fault("Done") : inner.Done(jobId, cancel);

        public Task<IReadOnlyList<string>> OpenJobIds(CancellationToken cancel = default) =>
            Interlocked.Increment(ref _scans) <= 2 ? throw Fault("OpenJobIds") : inner.OpenJobIds(cancel);

        public Task CreateJob(NewJob job, CancellationToken cancel = default) => inner.CreateJob(job, cancel);
        public Task<StoredJob?> GetJob(string id, CancellationToken cancel = default) => inner.GetJob(id, cancel);
        public Task<IReadOnlyList<StoredJob>> ListJobs(int limit, int offset = 0, CancellationToken cancel = default) => inner.ListJobs(limit, offset, cancel);
        public Task<IReadOnlyDictionary<JobState, int>> CountJobs(CancellationToken cancel = default) => inner.CountJobs(cancel);
        public Task<CommitOutcome> Commit(string jobId, long epoch, IReadOnlyList<ResultWrite> results, IReadOnlyList<FaultWrite> faults, CancellationToken cancel = default) => inner.Commit(jobId, epoch, results, faults, cancel);
        public Task StoreChunk(string jobId, long index, int chunk, string epochs, CancellationToken cancel = default) => inner.StoreChunk(jobId, index, chunk, epochs, cancel);
        public Task<bool> SetState(string jobId, long epoch, JobState state, CancellationToken cancel = default) => inner.SetState(jobId, epoch, state, cancel);
        public Task<bool> ExtendJob(string jobId, long epoch, string specText, long trials, Func<long, long> newIndexOf, string note, CancellationToken cancel = default) => inner.ExtendJob(jobId, epoch, specText, trials, newIndexOf, note, cancel);
        public Task<long?> RetryFailed(string jobId, long epoch, string note, CancellationToken cancel = default) => inner.RetryFailed(jobId, epoch, note, cancel);
        public Task AddEvent(string jobId, string text, CancellationToken cancel = default) => inner.AddEvent(jobId, text, cancel);
        public Task<IReadOnlyList<JobEvent>> Events(string jobId, int limit = 100, CancellationToken cancel = default) => inner.Events(jobId, limit, cancel);
        public IAsyncEnumerable<FaultWrite> Faults(string jobId, CancellationToken cancel = default) => inner.Faults(jobId, cancel);
        public IAsyncEnumerable<StoredResult> Results(string jobId, bool withCurves, string? afterKey = null, int limit = int.MaxValue, CancellationToken cancel = default) => inner.Results(jobId, withCurves, afterKey, limit, cancel);

        public Task<StoredResult?> Result(string jobId, string key, CancellationToken cancel = default) => inner.Result(jobId, key, cancel);
        public Task<IReadOnlyList<(string Error, long Count)>> Errors(string jobId, int limit, CancellationToken cancel = default) => inner.Errors(jobId, limit, cancel);
        public Task<BlobInfo?> GetBlob(string sha256, CancellationToken cancel = default) => inner.GetBlob(sha256, cancel);
        public Task PutBlob(string sha256, long size, IAsyncEnumerable<ReadOnlyMemory<byte>> chunks, CancellationToken cancel = default) => inner.PutBlob(sha256, size, chunks, cancel);
        public Task<byte[]?> GetBlobChunk(string sha256, int chunk, CancellationToken cancel = default) => inner.GetBlobChunk(sha256, chunk, cancel);
        public Task RevokeToken(string id, string name, DateTimeOffset expires, CancellationToken cancel = default) => inner.RevokeToken(id, name, expires, cancel);
        public Task<IReadOnlyList<RevokedTokenRow>> RevokedTokens(CancellationToken cancel = default) => inner.RevokedTokens(cancel);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
