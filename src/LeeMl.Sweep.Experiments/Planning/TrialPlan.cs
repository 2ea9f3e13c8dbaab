using System.Text;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Experiments.Planning;

/// <summary>
/// A sweep's trials as an index space: trial i's key, seeds and components are computed when
/// asked for, so a plan of a million trials costs the same few bytes as one of ten. Index order:
/// seed, then model, then optimizer × schedule × warm-up × noise (closed-form models have one
/// cell per seed). Pure: the same spec gives the same trial at the same index on every node.
/// </summary>
public sealed class TrialPlan
{
    private readonly (ComponentSpec? Spec, string Text)[] _optimizers, _schedules, _warmups, _noises, _models;
    private readonly long[] _modelStart;   // first in-block offset of each model's cells
    private readonly long _block;          // trials per seed
    private readonly ulong[] _splitSeeds;

    public TrialPlan(SweepSpec spec)
    {
        Spec = spec;
        // Each component's text once, not once per trial.
        static (ComponentSpec? Spec, string Text)[] Texts(IEnumerable<ComponentSpec?> specs) => [.. specs.Select(c => (c, c?.ToString() ?? "-"))];
        var g = spec.Grid;
        (_optimizers, _schedules, _warmups, _noises) = (Texts(g.Optimizers.Cast<ComponentSpec?>()), Texts(g.Schedules), Texts(g.Warmups), Texts(g.Noises));
        _models = Texts(spec.Models.Cast<ComponentSpec?>());
        _modelStart = new long[_models.Length + 1];
        for (var m = 0; m < _models.Length; m++)
            _modelStart[m + 1] = _modelStart[m] + CellsOf(_models[m].Spec!);
        _block = _modelStart[^1];
        _splitSeeds = [.. spec.Seeds.Select(seed => Hash($"{spec.Seed}|split|{seed}"))];
        Count = _block * spec.Seeds.Length;
    }

    public SweepSpec Spec { get; }

    public long Count { get; }

    private long CellsOf(ComponentSpec model) => ModelCatalog.IsClosedForm(model.Name)
        ? 1L
        : (long)_optimizers.Length * _schedules.Length * _warmups.Length * _noises.Length;

    /// <summary>How many trials a spec has, without building anything per trial.</summary>
    public static long CountOf(SweepSpec spec) => new TrialPlan(spec).Count;

    public TrialSpec this[long index] => At(index);

    public TrialSpec At(long index)
    {
        if ((ulong)index >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the plan has {Count} trials");
        var seedIndex = (int)(index / _block);
        var r = index % _block;
        var m = 0;
        while (_modelStart[m + 1] <= r) m++;
        var (model, modelText) = _models[m];
        var seed = Spec.Seeds[seedIndex];
        if (ModelCatalog.IsClosedForm(model!.Name))
            return Trial(index, model, modelText, (null, "-"), (null, "-"), (null, "-"), (null, "-"), seed, _splitSeeds[seedIndex]);
        var c = r - _modelStart[m];
        var n = (int)(c % _noises.Length); c /= _noises.Length;
        var w = (int)(c % _warmups.Length); c /= _warmups.Length;
        var s = (int)(c % _schedules.Length); c /= _schedules.Length;
        var o = (int)c;
        return Trial(index, model, modelText, _optimizers[o], _schedules[s], _warmups[w], _noises[n], seed, _splitSeeds[seedIndex]);
    }

    /// <summary>How many models the plan has (the groups whose trials cost alike).</summary>
    public int Models => _models.Length;

    /// <summary>The model of trial <paramref name="index"/>, as an index into the spec's models: cheap, no trial is built.</summary>
    public int ModelOf(long index)
    {
        var r = index % _block;
        var m = 0;
        while (_modelStart[m + 1] <= r) m++;
        return m;
    }

    /// <summary>How many trials of the plan train model <paramref name="model"/>.</summary>
    public long TrialsOfModel(int model) => (_modelStart[model + 1] - _modelStart[model]) * Spec.Seeds.Length;

    /// <summary>Every trial in index order, one at a time.</summary>
    public IEnumerable<TrialSpec> All()
    {
        for (long i = 0; i < Count; i++) yield return At(i);
    }

    private TrialSpec Trial(long index, ComponentSpec model, string modelText, (ComponentSpec? Spec, string Text) o, (ComponentSpec? Spec, string Text) s,
        (ComponentSpec? Spec, string Text) w, (ComponentSpec? Spec, string Text) n, int seed, ulong splitSeed)
    {
        var key = string.Concat(modelText, "|", o.Text, "|", s.Text, "|", w.Text, "|", n.Text, "|seed=", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new TrialSpec(index, key, model, o.Spec, s.Spec, w.Spec, n.Spec, seed, Hash($"{Spec.Seed}|{key}"), splitSeed);
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
