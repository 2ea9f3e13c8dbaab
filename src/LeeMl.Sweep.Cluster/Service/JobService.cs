using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Store;
using LeeMl.Sweep.Reporting;

namespace LeeMl.Sweep.Cluster.Service;

/// <summary>
/// The client side of a coordinator-role node, in process: jobs are read from the store (any
/// coordinator node sees every job) and, while they run, from their entities wherever those run.
/// The HTTP API and the embedded run both go through it.
/// </summary>
public sealed class JobService(NodeRuntime runtime) : ISweepApi
{
    private static readonly TimeSpan EntityTimeout = TimeSpan.FromSeconds(3);

    private ISweepStore Store => runtime.Store ?? throw new InvalidOperationException("only coordinator-role nodes serve clients");

    /// <summary>The store the jobs are read from.</summary>
    public ISweepStore StoreOf => Store;

    public Task<StoredJob?> Stored(string id, CancellationToken cancel = default) => Store.GetJob(id, cancel);

    public async Task<SubmitReply> Submit(SubmitRequest request, CancellationToken cancel = default)
    {
        SweepSpec spec;
        try
        {
            spec = SpecParser.Parse(request.SpecText, request.SpecFile);
        }
        catch (SpecException e)
        {
            return new SubmitReply(null, 0, e.Message);
        }
        var id = $"{spec.Name}-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Random.Shared.Next(0x10000):x4}";
        var trials = TrialPlan.CountOf(spec);
        await Store.CreateJob(new NewJob(id, spec.Name, request.SpecText, JsonSerializer.Serialize(request.Data, ServiceJson.Default.IReadOnlyListDataFileRef), trials), cancel);
        runtime.Jobs.Tell(new WakeJob(id));
        return new SubmitReply(id, trials, null);
    }

    public async Task<JobView?> Job(string id, CancellationToken cancel = default)
    {
        var stored = await Store.GetJob(id, cancel);
        if (stored is null) return null;
        return stored.State.IsOver() ? JobView.FromStore(stored, DateTimeOffset.UtcNow) : await Live(stored);
    }

    /// <summary>A running job's view from its entity (which starts if it was not running); the store's when it does not answer in time.</summary>
    private async Task<JobView> Live(StoredJob stored)
    {
        try
        {
            return await runtime.Jobs.Ask<JobView>(new GetJobStatus(stored.Id), EntityTimeout);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or KeyNotFoundException)
        {
            return JobView.FromStore(stored, DateTimeOffset.UtcNow);
        }
    }

    public async Task<ClusterStatus> Status(CancellationToken cancel = default)
    {
        var jobs = await Store.ListJobs(limit: 200, cancel: cancel);
        var views = await Task.WhenAll(jobs.Select(j => j.State.IsOver() ? Task.FromResult(JobView.FromStore(j, DateTimeOffset.UtcNow)) : Live(j)));
        return new ClusterStatus(views, await Nodes());
    }

    public async Task<IReadOnlyList<NodeView>> Nodes()
    {
        try
        {
            return (await runtime.Dispatcher.Ask<NodesReply>(GetNodes.Instance, EntityTimeout)).Nodes;
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return [];
        }
    }

    public async Task<CancelOutcome> Cancel(string id, CancellationToken cancel = default)
    {
        var stored = await Store.GetJob(id, cancel);
        if (stored is null) return CancelOutcome.Unknown;
        if (stored.State.IsOver()) return CancelOutcome.AlreadyOver;
        return (await runtime.Jobs.Ask<CancelReply>(new CancelJob(id), TimeSpan.FromSeconds(10), cancel)).Outcome;
    }

    public async Task WriteJobData(string id, string dir, CancellationToken cancel = default)
    {
        var stored = await Store.GetJob(id, cancel) ?? throw new KeyNotFoundException($"unknown job '{id}'");
        await JobFolder.WriteData(Store, stored, dir, cancel);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<DataFileRef>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ClusterStatus))]
[System.Text.Json.Serialization.JsonSerializable(typeof(JobView))]
[System.Text.Json.Serialization.JsonSerializable(typeof(SubmitRequest))]
[System.Text.Json.Serialization.JsonSerializable(typeof(SubmitReply))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(UseStringEnumConverter = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals)]
public sealed partial class ServiceJson : System.Text.Json.Serialization.JsonSerializerContext;
