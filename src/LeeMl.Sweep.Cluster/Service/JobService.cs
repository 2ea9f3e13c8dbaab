using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using LeeMl.Sweep.Cluster.Data;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Data;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Programs;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Experiments.Text;

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

    /// <summary>The node has joined its cluster and started its actors: until then there is nothing to ask.</summary>
    public bool Ready => runtime.Ready.IsCompletedSuccessfully;

    /// <summary>The store the jobs are read from.</summary>
    public ISweepStore StoreOf => Store;

    public Task<StoredJob?> Stored(string id, CancellationToken cancel = default) => Store.GetJob(id, cancel);

    public async Task<SubmitReply> Submit(SubmitRequest request, CancellationToken cancel = default)
    {
        if (request.Problem() is { } problem) return new SubmitReply(null, 0, problem);
        SweepSpec spec;
        // A submission has a time budget: a legal grid of millions of combinations takes seconds to
        // check, and neither a client that went away nor a node that stops keeps a core busy for it.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        budget.CancelAfter(CheckBudget);
        try
        {
            spec = await Task.Run(() => SpecParser.Parse(request.SpecText, request.SpecFile, budget.Token), budget.Token);
        }
        catch (SpecException e)
        {
            return new SubmitReply(null, 0, e.Message);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return new SubmitReply(null, 0, $"{Printable.Escape(request.SpecFile)}: checking every combination of its grid takes longer than the {CheckBudget.TotalSeconds:F0} s a submission may take; split it into smaller jobs");
        }
        // Every data file the spec names must have come with it: workers read shipped bytes only, never a path.
        foreach (var path in SpecFiles.Paths(spec.Data))
        {
            var shipped = request.Data.FirstOrDefault(d => d.Path == path);
            if (shipped is null)
                return new SubmitReply(null, 0, $"{Printable.Escape(request.SpecFile)}: the data file '{Printable.Escape(path)}' was not shipped with the job (submit sends the files a spec names)");
            var blob = await Store.GetBlob(shipped.Sha256, cancel);
            if (blob is null || blob.Size != shipped.Size)
                return new SubmitReply(null, 0, $"the data file '{Printable.Escape(path)}' (SHA-256 {Printable.Escape(shipped.Sha256)}) is not in the cluster's store; ship it first");
        }
        if (spec.Program is { } program)
        {
            foreach (var listed in program.Files)
                if (!request.Data.Any(d => d.Path == listed.TrimEnd('/') || d.Path.StartsWith(listed.TrimEnd('/') + "/", StringComparison.Ordinal)))
                    return new SubmitReply(null, 0, $"{Printable.Escape(request.SpecFile)}: the program's file '{Printable.Escape(listed)}' was not shipped with the job (submit sends the files a spec names)");
            foreach (var shipped in request.Data.Where(d => ProgramFiles.Lists(program, d.Path)))
                if (await Store.GetBlob(shipped.Sha256, cancel) is not { } blob || blob.Size != shipped.Size)
                    return new SubmitReply(null, 0, $"the program's file '{Printable.Escape(shipped.Path)}' (SHA-256 {Printable.Escape(shipped.Sha256)}) is not in the cluster's store; ship it first");
            if (program.Gpus > 0 && await Nodes() is var nodes && !nodes.Any(n => n.Programs && n.Gpus >= program.Gpus))
                return new SubmitReply(null, 0, $"each trial needs {program.Gpus} GPU{(program.Gpus == 1 ? "" : "s")}, and no worker of this cluster has that many " +
                    $"(the most: {nodes.Where(n => n.Programs).Select(n => n.Gpus).DefaultIfEmpty(0).Max()}; a worker runs programs with --allow-programs and declares GPUs with --gpus)");
        }
        if (TrialPlan.CurvePointsOf(spec) is var points && points > runtime.Settings.MaxCurvePoints)
            return new SubmitReply(null, 0, $"the job stores up to {points:N0} curve points (trials × epochs), over this cluster's limit of {runtime.Settings.MaxCurvePoints:N0} per job (node --max-curve-points)");
        if (request.Data.Sum(d => d.Size) > MaxDataBytes)
            return new SubmitReply(null, 0, $"the job's data is {request.Data.Sum(d => d.Size):N0} bytes, over this cluster's limit of {MaxDataBytes:N0} bytes");
        var warm = new WarmStartImport(Store);
        var (priors, refused) = await warm.Check(spec, request.Data, cancel);
        if (refused is not null) return new SubmitReply(null, 0, refused);
        var id = JobIds.New(spec.Name, DateTime.UtcNow);
        var trials = TrialPlan.CountOf(spec);
        // Workers get the files they read; an earlier job's results stay with the coordinators.
        var warmFiles = WarmStart.Files(spec).ToHashSet(StringComparer.Ordinal);
        var manifest = request.Data.Where(d => SpecFiles.Needs(spec, d.Path) && !warmFiles.Contains(d.Path)).ToList();
        // Taken over with the job, in one transaction: its coordinator starts with them done, and a search learns from them.
        IReadOnlyList<WarmStartImport.Taken> taken = priors.Count > 0 ? await warm.TakeOver(spec, priors, cancel) : [];
        runtime.Specs.Add(id, spec);   // the job's entity, worker and reports on this node use this parse
        await Store.CreateJob(new NewJob(id, spec.Name, request.SpecText, JsonSerializer.Serialize<IReadOnlyList<ShippedFile>>(manifest, ShippedFileJson.Default.IReadOnlyListShippedFile), trials) { TakenOver = taken.Select(t => t.Write()) }, cancel);
        if (priors.Count > 0)
            await Store.AddEvent(id, $"warm-started from {string.Join(", ", priors.Select(p => p.Source))}: {taken.Count} of {trials} trials taken over", cancel);
        runtime.Jobs.Tell(new WakeJob(id));
        return new SubmitReply(id, trials, null);
    }

    /// <summary>The largest data a job may ship (--max-data-size on coordinators).</summary>
    public long MaxDataBytes => runtime.Settings.MaxDataBytes;

    /// <summary>How long the checks of one submitted spec may take.</summary>
    public static readonly TimeSpan CheckBudget = TimeSpan.FromSeconds(5);

    public Task ShipData(ShippedFile file, Func<Stream> open, CancellationToken cancel = default) => ShipData(file, open, "local", cancel);

    /// <summary>Uploads waiting for their hash check, per client and in bytes (--max-uploads-per-client, --max-staged-size).</summary>
    public UploadGate Uploads => _uploads ??= Observed(new UploadGate(runtime.Settings.MaxUploadsPerClient, runtime.Settings.MaxStagedBytes));

    private static UploadGate Observed(UploadGate gate)
    {
        Metrics.SweepMetrics.ObserveUploads(() => gate.InUse);
        return gate;
    }

    private UploadGate? _uploads;

    /// <summary>A data file from <paramref name="client"/>: it takes a place at the <see cref="Uploads"/> gate (or <see cref="UploadBusyException"/>) while its bytes are checked.</summary>
    public async Task ShipData(ShippedFile file, Func<Stream> open, string client, CancellationToken cancel = default)
    {
        if (await Store.GetBlob(file.Sha256, cancel) is not null) return;   // shipped before: nothing to stage
        using var place = Uploads.Enter(client, file.Size);
        await using var stream = open();
        await BlobStorage.Store(Store, file, stream, MaxDataBytes, cancel);
    }

    public async Task<JobView?> Job(string id, CancellationToken cancel = default) =>
        await Store.GetJob(id, cancel) is { } stored
            ? await View(stored, cancel) with { History = [.. (await Store.Events(id, cancel: cancel)).Select(e => new JobHistoryEntry(e.At, e.Text))] }
            : null;

    private async Task<JobView> View(StoredJob stored, CancellationToken cancel)
    {
        var id = stored.Id;
        if (!stored.State.IsOver()) return await Live(stored);
        var errors = stored.Counts.Failed > 0 ? await Store.Errors(id, 5, cancel) : [];
        var counts = errors.Select(e => new ErrorCount(e.Error, e.Count)).ToList();
        // A job that failed before its trials were done was ended by its share of failures (only a program's job is).
        if (stored.State == JobState.Failed && stored.Counts.Done < stored.Trials)
            counts.Insert(0, new ErrorCount($"ended early: {stored.Counts.Failed} of the first {stored.Counts.Done} trials failed (over program.max_failed_fraction)", 1));
        return JobView.FromStore(stored, DateTimeOffset.UtcNow, counts);
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

    public Task<ClusterStatus> Status(CancellationToken cancel = default) => Status(200, 0, cancel);

    /// <summary>A page of the jobs, newest first, and the nodes.</summary>
    public async Task<ClusterStatus> Status(int limit, int offset, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var jobs = await Store.ListJobs(limit, offset, cancel);
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

    /// <summary>How long a change may take: an extension places every trial of the job in the larger plan, and waits for a commit.</summary>
    private static readonly TimeSpan ChangeTimeout = TimeSpan.FromSeconds(60);

    public async Task<ChangeReply?> Change(string id, JobChange change, string? specText = null, string? specFile = null, string? note = null, CancellationToken cancel = default)
    {
        if (await Store.GetJob(id, cancel) is null) return null;
        if (note is { Length: > MessageChecks.MaxErrorLength }) return new ChangeReply(id, $"the note is over {MessageChecks.MaxErrorLength} characters", "");
        if (change == JobChange.Extend)
        {
            if (specText is null) return new ChangeReply(id, "an extension needs the larger spec", "");
            // The larger spec is checked in full, as a submitted one is, before the job's entity sees it.
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            budget.CancelAfter(CheckBudget);
            SweepSpec larger;
            try
            {
                larger = await Task.Run(() => SpecParser.Parse(specText, specFile ?? "spec", budget.Token), budget.Token);
            }
            catch (SpecException e)
            {
                return new ChangeReply(id, e.Message, "");
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                return new ChangeReply(id, $"checking every combination of the new spec's grid takes longer than the {CheckBudget.TotalSeconds:F0} s a change may take", "");
            }
            if (TrialPlan.CurvePointsOf(larger) is var points && points > runtime.Settings.MaxCurvePoints)
                return new ChangeReply(id, $"the extended job stores up to {points:N0} curve points (trials × epochs), over this cluster's limit of {runtime.Settings.MaxCurvePoints:N0} per job (node --max-curve-points)", "");
        }
        return await runtime.Jobs.Ask<ChangeReply>(new ChangeJob(id, change, specText, note), ChangeTimeout, cancel);
    }

    /// <summary>A job's view and its running trials with their live curves, from one read of the store.</summary>
    public async Task<(JobView? View, IReadOnlyList<LiveTrial> Running)> Progress(string id, int maxRunning, CancellationToken cancel = default)
    {
        var stored = await Store.GetJob(id, cancel);
        if (stored is null) return (null, []);
        var view = await View(stored, cancel);
        return (view, view.State.IsOver() ? [] : await LiveTrialsOf(id, maxRunning));
    }

    /// <summary>A running job's running trials with their live curves (none when it is not running or does not answer in time).</summary>
    public async Task<IReadOnlyList<LiveTrial>> RunningTrials(string id, int max, CancellationToken cancel = default)
    {
        var stored = await Store.GetJob(id, cancel);
        return stored is null || stored.State.IsOver() ? [] : await LiveTrialsOf(id, max);
    }

    private async Task<IReadOnlyList<LiveTrial>> LiveTrialsOf(string id, int max)
    {
        try
        {
            return (await runtime.Jobs.Ask<LiveTrials>(new GetLiveTrials(id, Math.Clamp(max, 0, MessageChecks.MaxLiveTrials)), EntityTimeout)).Trials;
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return [];
        }
    }

    /// <summary>The folder of a job's files on this node (reports, results, spec).</summary>
    public string FolderOf(string id) => runtime.JobFolder(id);

    private sealed class Rendering
    {
        public long Done = -1;
        public DateTimeOffset At;
        public Task? InFlight;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Rendering> _renderings = new(StringComparer.Ordinal);

    /// <summary>While a job runs, its folder here is rendered again at most this often for viewers.</summary>
    public static readonly TimeSpan ViewerReportEvery = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Keeps this node's folder of a job about current for viewers: when its report is missing, or
    /// behind the committed results and older than <see cref="ViewerReportEvery"/>, the node's report
    /// scheduler renders it from the store (within the node's one report budget). Returns at once;
    /// true when a report is there to read.
    /// </summary>
    public bool RefreshFolder(JobView view)
    {
        var json = Path.Combine(FolderOf(view.Id), "report.json");
        // One small entry per job viewed; bounded, so a node viewed for years does not grow (a forgotten entry only renders once more).
        if (_renderings.Count > 1024)
            foreach (var (id, old) in _renderings)
                if (old.InFlight is not { IsCompleted: false }) _renderings.TryRemove(id, out _);
        var r = _renderings.GetOrAdd(view.Id, _ => new Rendering());
        var exists = File.Exists(json);
        lock (r)
        {
            var behind = !exists || r.Done < view.Done;
            var due = !exists || r.Done < 0 || DateTimeOffset.UtcNow - r.At >= ViewerReportEvery;
            if (behind && due && r.InFlight is not { IsCompleted: false } && runtime.Reports != ActorRefs.Nobody)
            {
                var done = view.Done;
                var state = view.State;
                r.InFlight = runtime.Reports.Ask<Reports.ReportRendered>(
                        new Reports.RenderReport(view.Id, false, new JobProgress((int)Math.Min(int.MaxValue, view.Trials), (int)done, (int)view.Running, state)),
                        TimeSpan.FromMinutes(5))
                    .ContinueWith(t =>
                    {
                        lock (r)
                        {
                            if (t.IsCompletedSuccessfully && t.Result.Error is null) r.Done = done;
                            r.At = DateTimeOffset.UtcNow;
                        }
                    }, TaskScheduler.Default);
            }
        }
        return exists;
    }

    /// <summary>
    /// A trial's kept output from character <paramref name="after"/> of its attempt on (all that is
    /// kept when older lines have left), and whether the trial is over (it has a result, or the job ended).
    /// Null when the job has no such trial.
    /// </summary>
    public async Task<TrialOutputView?> TrialOutput(string id, string key, long after, CancellationToken cancel = default)
    {
        if (await Store.GetJob(id, cancel) is not { } job) return null;
        var log = await Store.Log(id, key, cancel);
        var over = job.State.IsOver() || await Store.Result(id, key, cancel) is not null;
        if (log is null) return TrialOfJob(job, key) ? new TrialOutputView(key, 0, 0, 0, "", over) : null;
        var start = log.Total - log.Text.Length;
        var from = Math.Clamp(after, start, log.Total);
        return new TrialOutputView(key, log.Attempt, from, log.Total, log.Text[(int)(from - start)..], over);
    }

    /// <summary>Whether the job's trials are a program's (they print output the store keeps).</summary>
    public bool RunsPrograms(StoredJob job) => runtime.Specs.Get(job.Id, job.SpecText).Program is not null;

    /// <summary>Whether the job's plan has a trial of this key (only a program's, whose plans are small, are looked through).</summary>
    private bool TrialOfJob(StoredJob job, string key)
    {
        var spec = runtime.Specs.Get(job.Id, job.SpecText);
        if (spec.Program is null) return false;
        var plan = new TrialPlan(spec);
        // A TPE trial's key holds the values proposed for it: any key of one of its cells may be one.
        if (plan.IsTpe) return spec.Models.Any(m => key.StartsWith(m.Name + "(", StringComparison.Ordinal));
        return plan.Count <= 100_000 && plan.All().Any(t => t.Key == key);
    }

    public async Task WriteJobData(string id, string dir, CancellationToken cancel = default)
    {
        var stored = await Store.GetJob(id, cancel) ?? throw new KeyNotFoundException($"unknown job '{id}'");
        await JobFiles.WriteData(Store, stored, dir, cancel);
    }
}

/// <summary>A piece of a trial's output: <see cref="Text"/> runs from character <see cref="From"/> to <see cref="Total"/> of its attempt's output.</summary>
public sealed record TrialOutputView(
    [property: System.Text.Json.Serialization.JsonPropertyName("key")] string Key,
    [property: System.Text.Json.Serialization.JsonPropertyName("attempt")] int Attempt,
    [property: System.Text.Json.Serialization.JsonPropertyName("from")] long From,
    [property: System.Text.Json.Serialization.JsonPropertyName("total")] long Total,
    [property: System.Text.Json.Serialization.JsonPropertyName("text")] string Text,
    [property: System.Text.Json.Serialization.JsonPropertyName("over")] bool Over);

[System.Text.Json.Serialization.JsonSerializable(typeof(ClusterStatus))]
[System.Text.Json.Serialization.JsonSerializable(typeof(JobView))]
[System.Text.Json.Serialization.JsonSerializable(typeof(SubmitRequest))]
[System.Text.Json.Serialization.JsonSerializable(typeof(SubmitReply))]
[System.Text.Json.Serialization.JsonSerializable(typeof(TrialOutputView))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(UseStringEnumConverter = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals)]
public sealed partial class ServiceJson : System.Text.Json.Serialization.JsonSerializerContext;
