using System.Text;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Experiments.Planning;

/// <summary>
/// Expands a spec into trials: models × optimizer × schedule × warm-up × noise × seeds, with the
/// optimizer axes dropped for closed-form models, sorted by key. Pure: the same spec always gives
/// the same trials, keys and seeds.
/// </summary>
public static class Planner
{
    public static long Count(SweepSpec spec)
    {
        var g = spec.Grid;
        long cells = spec.Models.Sum(m => ModelCatalog.IsClosedForm(m.Name)
            ? 1L
            : (long)g.Optimizers.Length * g.Schedules.Length * g.Warmups.Length * g.Noises.Length);
        return cells * spec.Seeds.Length;
    }

    public static IReadOnlyList<TrialSpec> Expand(SweepSpec spec)
    {
        // Each component's text once, not once per trial: a 100,000-trial grid has a few dozen components.
        static (ComponentSpec? Spec, string Text)[] Texts(IEnumerable<ComponentSpec?> specs) => [.. specs.Select(c => (c, c?.ToString() ?? "-"))];
        var g = spec.Grid;
        var (optimizers, schedules, warmups, noises) = (Texts(g.Optimizers), Texts(g.Schedules), Texts(g.Warmups), Texts(g.Noises));
        var models = Texts(spec.Models);
        var trials = new List<TrialSpec>((int)Math.Min(Count(spec), int.MaxValue));
        foreach (var seed in spec.Seeds)
        {
            var splitSeed = Hash($"{spec.Seed}|split|{seed}");
            foreach (var (model, modelText) in models)
            {
                if (ModelCatalog.IsClosedForm(model!.Name))
                {
                    trials.Add(Trial(spec, model, (null, "-"), (null, "-"), (null, "-"), (null, "-"), modelText, seed, splitSeed));
                    continue;
                }
                foreach (var o in optimizers)
                    foreach (var s in schedules)
                        foreach (var w in warmups)
                            foreach (var n in noises)
                                trials.Add(Trial(spec, model, o, s, w, n, modelText, seed, splitSeed));
            }
        }
        trials.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return trials;
    }

    private static TrialSpec Trial(SweepSpec spec, ComponentSpec model, (ComponentSpec? Spec, string Text) o, (ComponentSpec? Spec, string Text) s,
        (ComponentSpec? Spec, string Text) w, (ComponentSpec? Spec, string Text) n, string modelText, int seed, ulong splitSeed)
    {
        var key = $"{modelText}|{o.Text}|{s.Text}|{w.Text}|{n.Text}|seed={seed}";
        return new TrialSpec(key, model, o.Spec, s.Spec, w.Spec, n.Spec, seed, Hash($"{spec.Seed}|{key}"), splitSeed);
    }

    /// <summary>FNV-1a 64 of the UTF-8 text: stable across processes, machines and .NET versions.</summary>
    public static ulong Hash(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            h ^= b;
            h *= 1099511628211UL;
        }
        return h;
    }
}
