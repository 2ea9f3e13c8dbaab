using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Experiments.Trials;

/// <summary>The kinds of trial a spec may name; the built-in classifiers are the default.</summary>
public static class TrialKinds
{
    public const string Default = ClassifierTrialKind.KindName;

    private static readonly IReadOnlyDictionary<string, ITrialKind> All = new ITrialKind[] { new ClassifierTrialKind() }
        .ToDictionary(k => k.Name, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Names => [.. All.Keys];

    public static bool IsKnown(string name) => All.ContainsKey(name);

    /// <summary>The kind a parsed spec names (the parser has checked it is known).</summary>
    public static ITrialKind Of(SweepSpec spec) => All[spec.Kind];

    /// <summary>Runs one trial to its end in this thread: what <c>fit</c>-like callers and test fixtures want.</summary>
    public static Results.TrialResult RunToEnd(SweepSpec spec, TrialSpec trial, DataLoader data, Action<Results.EpochResult>? onStep = null, CancellationToken cancel = default)
    {
        using var t = Of(spec).Start(spec, trial, data);
        t.RunUntil(spec.Epochs, onStep, cancel);
        return t.Result();
    }
}
