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
        var trials = new List<TrialSpec>();
        foreach (var seed in spec.Seeds)
        {
            var splitSeed = Hash($"{spec.Seed}|split|{seed}");
            foreach (var model in spec.Models)
            {
                if (ModelCatalog.IsClosedForm(model.Name))
                {
                    trials.Add(Trial(spec, model, null, null, null, null, seed, splitSeed));
                    continue;
                }
                foreach (var o in spec.Grid.Optimizers)
                    foreach (var s in spec.Grid.Schedules)
                        foreach (var w in spec.Grid.Warmups)
                            foreach (var n in spec.Grid.Noises)
                                trials.Add(Trial(spec, model, o, s, w, n, seed, splitSeed));
            }
        }
        trials.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return trials;
    }

    private static TrialSpec Trial(SweepSpec spec, ComponentSpec model, ComponentSpec? o, ComponentSpec? s, ComponentSpec? w, ComponentSpec? n, int seed, ulong splitSeed)
    {
        static string Part(ComponentSpec? c) => c?.ToString() ?? "-";
        var key = $"{model}|{Part(o)}|{Part(s)}|{Part(w)}|{Part(n)}|seed={seed}";
        return new TrialSpec(key, model, o, s, w, n, seed, Hash($"{spec.Seed}|{key}"), splitSeed);
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
