using LeeMl.Sweep.Experiments.Search;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Experiments.Planning;

/// <summary>
/// A job's <c>warm_start</c>: earlier jobs whose trials it takes over instead of running them again.
/// A trial is taken over when an earlier job has a result under its key, which holds only if that
/// job trained the same data the same way; so an earlier job of other data, validation split,
/// epochs, batch size, seed, objective or early stopping is refused. Pure.
/// </summary>
public static class WarmStart
{
    /// <summary>An entry names a file or a folder (it holds a '/' or ends in .jsonl), else a job id.</summary>
    public static bool IsPath(string entry) => entry.Contains('/') || entry.EndsWith(".jsonl", StringComparison.Ordinal);

    /// <summary>The files a path entry ships: the earlier job's results.jsonl and the spec.yaml beside it.</summary>
    public static (string Results, string Spec) FilesOf(string entry)
    {
        var results = entry.EndsWith(".jsonl", StringComparison.Ordinal) ? entry : entry.TrimEnd('/') + "/results.jsonl";
        var folder = Path.GetDirectoryName(results);
        return (results, string.IsNullOrEmpty(folder) ? "spec.yaml" : folder + "/spec.yaml");
    }

    /// <summary>Every file the spec's warm start ships, in order.</summary>
    public static IEnumerable<string> Files(SweepSpec spec) =>
        spec.WarmStart.Where(IsPath).SelectMany(e => FilesOf(e) is var (results, specFile) ? new[] { results, specFile } : []);

    /// <summary>Why the job of <paramref name="prior"/> (named <paramref name="source"/>) cannot warm-start <paramref name="spec"/>, or null when it can.</summary>
    public static string? Problem(SweepSpec prior, SweepSpec spec, string source)
    {
        var same = new (string What, object? Prior, object? Spec)[]
        {
            ("kind of trial", prior.Kind, spec.Kind), ("data", prior.Data.ToString(), spec.Data.ToString()), ("validation share", prior.Validation, spec.Validation),
            ("epochs", prior.Epochs, spec.Epochs), ("batch size", prior.BatchSize, spec.BatchSize), ("seed", prior.Seed, spec.Seed),
            ("objective", prior.Objective, spec.Objective), ("early stopping", prior.EarlyStopping, spec.EarlyStopping), ("function", prior.Function, spec.Function),
            ("program's command", prior.Program is { } p ? string.Join(" ", p.Command) : null, spec.Program is { } q ? string.Join(" ", q.Command) : null),
        };
        foreach (var (what, a, b) in same)
            if (!Equals(a, b)) return $"warm_start {source}: its {what} ({a ?? "none"}) is not this job's ({b ?? "none"}), so its results are not this job's trials";
        // A TPE search's trials are its proposals: only an earlier run of the same search has them, at the same places.
        if ((prior.Search.Method == SearchMethod.Tpe || spec.Search.Method == SearchMethod.Tpe) && !SameSearch(prior, spec))
            return $"warm_start {source}: a TPE search takes over the trials of an earlier job of the same search only (the same cells, seeds, search seed and settings)";
        return null;
    }

    /// <summary>Two TPE searches that propose the same values at the same indexes (the samples may differ in number): the same cells, every axis of them.</summary>
    public static bool SameSearch(SweepSpec a, SweepSpec b)
    {
        static bool Same<T>(IEnumerable<T> x, IEnumerable<T> y) => x.Select(l => l?.ToString()).SequenceEqual(y.Select(l => l?.ToString()));
        return a.Search.Method == b.Search.Method && a.Search.Seed == b.Search.Seed && a.Search.Parallelism == b.Search.Parallelism && Equals(a.Search.Tpe, b.Search.Tpe)
            && a.Seeds.SequenceEqual(b.Seeds) && Same(a.Models, b.Models) && Same(a.Grid.Optimizers, b.Grid.Optimizers) && Same(a.Grid.Schedules, b.Grid.Schedules)
            && Same(a.Grid.Warmups, b.Grid.Warmups) && Same(a.Grid.Noises, b.Grid.Noises);
    }

    /// <summary>Where each of <paramref name="keys"/> lies in <paramref name="plan"/> (keys it does not have are left out): one pass over the plan.</summary>
    public static Dictionary<string, long> Place(TrialPlan plan, IReadOnlySet<string> keys, CancellationToken cancel = default)
    {
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        for (long i = 0; i < plan.Count && found.Count < keys.Count; i++)
        {
            if ((i & 0xFFFF) == 0) cancel.ThrowIfCancellationRequested();
            var key = plan[i].Key;
            if (keys.Contains(key)) found[key] = i;
        }
        return found;
    }
}
