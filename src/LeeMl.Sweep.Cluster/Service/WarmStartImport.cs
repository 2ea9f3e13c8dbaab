using System.Text;
using LeeMl.Sweep.Cluster.Data;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Data;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Text;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Service;

/// <summary>
/// A spec's <c>warm_start</c> at submit: the earlier jobs are found (in the store, or as shipped
/// results.jsonl files with their spec.yaml), checked against the new spec (<see cref="WarmStart"/>),
/// and their results are taken over into the new job under its trial indexes before any coordinator
/// runs it. Each taken-over trial's telemetry names where it came from, in its node.
/// </summary>
public sealed class WarmStartImport(ISweepStore store)
{
    /// <summary>An earlier job: where it came from, its spec, and where its results are (a job of the store, or a shipped file).</summary>
    public sealed record Prior(string Source, SweepSpec Spec, string? JobId, IReadOnlyList<TrialResult>? FileResults);

    /// <summary>The spec's earlier jobs, each checked; or why one cannot warm-start it.</summary>
    public async Task<(IReadOnlyList<Prior> Priors, string? Problem)> Check(SweepSpec spec, IReadOnlyList<ShippedFile> shipped, CancellationToken cancel = default)
    {
        var priors = new List<Prior>();
        foreach (var entry in spec.WarmStart)
        {
            var source = Printable.Escape(entry);
            Prior prior;
            if (WarmStart.IsPath(entry))
            {
                if (spec.Search.Method == Experiments.Search.SearchMethod.Tpe)
                    return ([], $"warm_start {source}: a TPE search warm-starts from an earlier job of the cluster (by its id), whose trials keep their places");
                var (resultsPath, specPath) = WarmStart.FilesOf(entry);
                var results = shipped.FirstOrDefault(f => f.Path == resultsPath);
                var specFile = shipped.FirstOrDefault(f => f.Path == specPath);
                if (results is null || specFile is null)
                    return ([], $"warm_start {source}: {(results is null ? resultsPath : specPath)} was not shipped with the job (submit sends an earlier job's results.jsonl and the spec.yaml beside it)");
                var text = await BlobStorage.Read(store, specFile.Sha256, cancel);
                var lines = await BlobStorage.Read(store, results.Sha256, cancel);
                if (text is null || lines is null) return ([], $"warm_start {source}: its files are not in the cluster's store; ship them first");
                SweepSpec priorSpec;
                try
                {
                    priorSpec = SpecParser.Parse(Encoding.UTF8.GetString(text), specPath, cancel);
                }
                catch (SpecException e)
                {
                    return ([], $"warm_start {source}: the spec.yaml beside it does not parse: {e.Message}");
                }
                var parsed = new List<TrialResult>();
                var number = 0;
                using var reader = new StringReader(Encoding.UTF8.GetString(lines));
                while (reader.ReadLine() is { } line)
                {
                    number++;
                    if (line.Length == 0) continue;
                    try
                    {
                        if (ResultJson.Parse(line) is not { Key: not null } r) return ([], $"warm_start {source}:{number}: not a result line");
                        parsed.Add(r);
                    }
                    catch (System.Text.Json.JsonException e)
                    {
                        return ([], $"warm_start {source}:{number}: not a result line ({Printable.Escape(e.Message)})");
                    }
                }
                prior = new Prior(source, priorSpec, null, parsed);
            }
            else
            {
                if (await store.GetJob(entry, cancel) is not { } job) return ([], $"warm_start {source}: no such job in this cluster's store (an earlier run's folder is given as a path: ./{source})");
                prior = new Prior(source, SpecParser.ParseAccepted(job.SpecText, entry), entry, null);
            }
            if (WarmStart.Problem(prior.Spec, spec, source) is { } problem) return ([], problem);
            priors.Add(prior);
        }
        return (priors, null);
    }

    /// <summary>A trial taken over: its index in the new job, the earlier result and its telemetry, and where it came from.</summary>
    public sealed record Taken(long Index, TrialResult Result, double Seconds, int Attempt, string Source)
    {
        /// <summary>What the store writes for it (made as the store reads it, so only a batch's curves are text at once).</summary>
        public ResultWrite Write() => new(Index, Result, ResultJson.Summary(Result),
            [.. Result.Epochs.Chunk(ProtocolLimits.ChunkEpochs).Select(c => ResultJson.Chunk(c))], $"warm start: {Source}", Seconds, Attempt);
    }

    /// <summary>Every trial of the priors that the new job has (the first prior to have a key gives it), under its index in the new job.</summary>
    public async Task<IReadOnlyList<Taken>> TakeOver(SweepSpec spec, IReadOnlyList<Prior> priors, CancellationToken cancel = default)
    {
        var plan = new TrialPlan(spec);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var trials = new List<Taken>();
        foreach (var prior in priors)
        {
            var found = new List<(long Index, TrialResult Result, double Seconds, int Attempt)>();
            await foreach (var r in Results(prior, cancel))
                if (!taken.Contains(r.Result.Key)) found.Add(r);
            // Where each key lies in this job: a TPE search's trials keep their places; any other plan is searched by key.
            Dictionary<string, long> places;
            if (plan.IsTpe)
                places = found.Where(f => f.Index >= 0 && f.Index < plan.Count).ToDictionary(f => f.Result.Key, f => f.Index, StringComparer.Ordinal);
            else
                places = await Task.Run(() => WarmStart.Place(plan, found.Select(f => f.Result.Key).ToHashSet(StringComparer.Ordinal), cancel), cancel);
            foreach (var (_, result, seconds, attempt) in found)
                if (places.TryGetValue(result.Key, out var index) && taken.Add(result.Key))
                    trials.Add(new Taken(index, result, seconds, attempt, prior.Source));
        }
        return trials;
    }

    /// <summary>A prior's results with their trial indexes in its own job (-1 for a file) and telemetry.</summary>
    private async IAsyncEnumerable<(long Index, TrialResult Result, double Seconds, int Attempt)> Results(Prior prior,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel)
    {
        if (prior.JobId is { } job)
        {
            await foreach (var r in store.Results(job, withCurves: true, cancel: cancel))
                yield return (r.Index, ResultJson.Parse(r.Line), r.Seconds, r.Attempt);
            yield break;
        }
        foreach (var r in prior.FileResults ?? []) yield return (-1, r, 0, 1);
    }
}
