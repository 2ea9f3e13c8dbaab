using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Experiments.Trials;

/// <summary>The kinds of trial a spec may name; the built-in classifiers are the default.</summary>
public static class TrialKinds
{
    public const string Default = ClassifierTrialKind.KindName;

    private static readonly IReadOnlyDictionary<string, ITrialKind> All = new ITrialKind[] { new ClassifierTrialKind(), new ProgramTrialKind(), new FunctionTrialKind() }
        .ToDictionary(k => k.Name, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Names => [.. All.Keys];

    public static bool IsKnown(string name) => All.ContainsKey(name);

    /// <summary>The kind a parsed spec names (the parser has checked it is known).</summary>
    public static ITrialKind Of(SweepSpec spec) => All[spec.Kind];
}
