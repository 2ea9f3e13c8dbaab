using LeeMl.Sweep.Experiments.Search;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Experiments.Planning;

/// <summary>
/// Whether a spec extends a job's spec — the same sweep with more seeds, more samples or more grid
/// levels, nothing else changed — and where each of the job's trials lies in the larger plan. An
/// extended job equals, byte for byte, the job submitted with the larger spec from the start: its
/// trials keep their keys, seeds and drawn values, and only the new ones run.
/// </summary>
public static class JobExtension
{
    /// <summary>Why <paramref name="larger"/> does not extend <paramref name="current"/>, or null when it does.</summary>
    public static string? Problem(SweepSpec current, SweepSpec larger)
    {
        var same = new (string What, object? Current, object? Larger)[]
        {
            ("name", current.Name, larger.Name), ("kind of trial", current.Kind, larger.Kind), ("data", current.Data.ToString(), larger.Data.ToString()),
            ("validation share", current.Validation, larger.Validation), ("epochs", current.Epochs, larger.Epochs), ("batch size", current.BatchSize, larger.BatchSize),
            ("seed", current.Seed, larger.Seed), ("max_attempts", current.MaxAttempts, larger.MaxAttempts),
            ("search method", current.Search.Method, larger.Search.Method), ("search seed", current.Search.Seed, larger.Search.Seed),
            ("search parallelism", current.Search.Parallelism, larger.Search.Parallelism), ("TPE settings", current.Search.Tpe, larger.Search.Tpe),
            ("early stopping", current.EarlyStopping, larger.EarlyStopping), ("objective", current.Objective, larger.Objective),
            ("function", current.Function, larger.Function), ("program", ProgramText(current), ProgramText(larger)),
            ("warm_start", string.Join(", ", current.WarmStart), string.Join(", ", larger.WarmStart)),
        };
        foreach (var (what, a, b) in same)
            if (!Equals(a, b)) return $"the {what} differs from the job's ({a ?? "none"} → {b ?? "none"}); an extension adds seeds, samples or grid levels and changes nothing else";
        foreach (var seed in current.Seeds)
            if (!larger.Seeds.Contains(seed)) return $"seed {seed} of the job is not in the new spec; an extension keeps every seed";
        if (current.Search.Method != SearchMethod.Grid && larger.Search.Samples < current.Search.Samples)
            return $"the new spec asks for {larger.Search.Samples} samples, fewer than the job's {current.Search.Samples}";
        var axes = new (string What, string[] Current, string[] Larger)[]
        {
            ("models", Texts(current.Models), Texts(larger.Models)), ("optimizer", Texts(current.Grid.Optimizers), Texts(larger.Grid.Optimizers)),
            ("schedule", Texts(current.Grid.Schedules), Texts(larger.Grid.Schedules)), ("warmup", Texts(current.Grid.Warmups), Texts(larger.Grid.Warmups)),
            ("noise", Texts(current.Grid.Noises), Texts(larger.Grid.Noises)),
        };
        foreach (var (what, a, b) in axes)
        {
            if (a.FirstOrDefault(level => !b.Contains(level)) is { } missing)
                return $"the {what} level {missing} of the job is not in the new spec; an extension keeps every level";
            // Early stopping compares a seed's trials in the order of its cells, and TPE learns per cell: their cells stay as they are.
            if ((current.EarlyStopping is not null || current.Search.Method == SearchMethod.Tpe) && !a.SequenceEqual(b))
                return $"the {what} levels differ; a job with {(current.EarlyStopping is not null ? "early stopping" : "TPE")} is extended by seeds and samples only";
        }
        if (current.Search.Method == SearchMethod.Tpe && !current.Seeds.SequenceEqual(larger.Seeds))
            return "the seeds differ; a TPE search learns from the mean over its seeds, so it is extended by samples only";
        if (TrialPlan.CountOf(larger) <= TrialPlan.CountOf(current))
            return "the new spec adds no trial to the job";
        return null;
    }

    /// <summary>
    /// Where each trial of <paramref name="current"/> lies in <paramref name="larger"/> (index by
    /// index), or why some trial would not be there with the same key: a level added in the middle of
    /// an axis of drawn values would draw other values for the trials already run.
    /// </summary>
    public static (long[]? NewIndex, string? Problem) Map(TrialPlan current, TrialPlan larger, CancellationToken cancel = default)
    {
        if (current.Count > int.MaxValue) return (null, "the job is too large to extend");
        var map = new long[current.Count];
        // Sample by sample, cells and seeds unchanged: a TPE search's trials keep their indexes.
        if (current.IsTpe)
        {
            for (long i = 0; i < current.Count; i++) map[i] = i;
            return (map, null);
        }
        var wanted = new Dictionary<string, long>(StringComparer.Ordinal);
        for (long i = 0; i < current.Count; i++) wanted[current[i].Key] = i;
        for (long j = 0; j < larger.Count && wanted.Count > 0; j++)
        {
            if ((j & 0xFFFF) == 0) cancel.ThrowIfCancellationRequested();
            if (wanted.Remove(larger[j].Key, out var i)) map[i] = j;
        }
        return wanted.Count == 0 ? (map, null)
            : (null, $"trial {wanted.First().Key} of the job would not be in the new spec (a level added in the middle of a list draws other values for the trials after it: add levels at the end)");
    }

    private static string[] Texts<T>(IEnumerable<T> levels) => [.. levels.Select(l => l?.ToString() ?? "none")];

    private static string? ProgramText(SweepSpec spec) => spec.Program is not { } p ? null
        : string.Join("\n", [.. p.Command, "--files", .. p.Files, "--env", .. p.Env.Select(e => $"{e.Key}={e.Value}"),
            $"{p.TimeoutSeconds}|{p.StopGraceSeconds}|{p.Objective}|{p.Gpus}|{p.KeepScratch}|{p.MaxFailedFraction}"]);
}
