using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Experiments.Search;

public enum SearchMethod { Grid, Random, Sobol, Tpe }

/// <summary>
/// How a sweep explores its space: the grid alone, or the grid with every distribution in it drawn
/// <see cref="Samples"/> times per cell and seed (Ray Tune's num_samples), at random or from a
/// Sobol sequence. Each drawn value is a pure function of (<see cref="Seed"/>, trial index): of the
/// trial's cell (model, optimizer, schedule), its sample number and the value's place in the
/// trial — not of its seed, so the seeds of one sample are replicates of one configuration.
/// </summary>
public sealed record SearchSpec(SearchMethod Method, int Samples, int Seed)
{
    public static readonly SearchSpec Grid = new(SearchMethod.Grid, 1, 0);

    /// <summary>TPE: sample k of a cell learns from the results of its samples 0…k−P−1, whatever has arrived (<see cref="Planning.TpeLedger"/>).</summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>TPE's settings (Optuna's defaults unless the spec says).</summary>
    public TpeSettings Tpe { get; init; } = new();

    /// <summary>Each value TPE proposes for a template, in draw order: a choice is categorical, every other distribution a number on its own scale.</summary>
    public static IReadOnlyList<TpeDimension> TpeDimensions(ComponentSpec? template) =>
        [.. Parameters(template).Select(p => p.Distribution is Distribution.Choice c ? new TpeDimension(c.Options.Count) : TpeDimension.Continuous)];

    /// <summary>The template with its distributions at the proposed points <paramref name="draws"/> (u ∈ [0, 1) each, in draw order).</summary>
    public static ComponentSpec? Realize(ComponentSpec? template, IReadOnlyList<double> draws, ref int dimension) => Realize(template, d => draws[d], ref dimension);

    /// <summary>The template with each distribution replaced by its draw for sample <paramref name="sample"/> of the cell <paramref name="cell"/>; <paramref name="dimension"/> counts the distributions drawn so far in the trial.</summary>
    public ComponentSpec? Realize(ComponentSpec? template, string cell, long sample, ref int dimension) =>
        template is null || !HasDistribution(template) ? template : Realize(template, d => Draw(cell, sample, d), ref dimension);

    /// <summary>The template with each distribution at <paramref name="u"/> of its dimension, dimensions counted in draw order from <paramref name="dimension"/>.</summary>
    private static ComponentSpec? Realize(ComponentSpec? template, Func<int, double> u, ref int dimension)
    {
        if (template is null || !HasDistribution(template)) return template;
        var realized = new ComponentSpec(template.Name);
        foreach (var (key, value) in template.Params)
        {
            ParamValue v = value switch
            {
                ParamValue.Sampled s => s.Distribution.At(u(dimension++)),
                ParamValue.Component c => new ParamValue.Component(Realize(c.Spec, u, ref dimension)!),
                _ => value,
            };
            realized = realized.With(key, v);
        }
        return realized;
    }

    /// <summary>u ∈ [0, 1) for one distribution of one trial.</summary>
    private double Draw(string cell, long sample, int dimension)
    {
        if (Method == SearchMethod.Sobol)
        {
            // Point 0 is the origin (every value at its low end): the sample numbers start at point 1.
            var shift = Seed == 0 ? 0u : (uint)Planning.TrialPlan.Hash($"{Seed}|sobol-shift|{dimension}");
            return Sobol.Point(sample + 1, dimension, shift);
        }
        var rng = new Optim.Noise.Xoshiro256(Planning.TrialPlan.Hash($"{Seed}|draw|{cell}|{sample}|{dimension}"));
        return rng.NextDouble();
    }

    public static bool HasDistribution(ComponentSpec? spec) =>
        spec is not null && spec.Params.Values.Any(v => v is ParamValue.Sampled || (v is ParamValue.Component c && HasDistribution(c.Spec)));

    /// <summary>How many distributions a template holds (its Sobol dimensions).</summary>
    public static int Dimensions(ComponentSpec? spec) =>
        spec is null ? 0 : spec.Params.Values.Sum(v => v switch { ParamValue.Sampled => 1, ParamValue.Component c => Dimensions(c.Spec), _ => 0 });

    /// <summary>The templates each with every distribution at each of its corners in turn (the others at their low end): what a spec is checked with.</summary>
    public static IEnumerable<ComponentSpec> Corners(ComponentSpec template)
    {
        if (!HasDistribution(template)) { yield return template; yield break; }
        var low = AtLow(template);
        yield return low;
        var paths = Paths(template, "").ToList();
        foreach (var (path, distribution) in paths)
            foreach (var corner in distribution.Corners().Skip(1))
                yield return Set(low, path.Split('.'), corner);
    }

    private static IEnumerable<(string Path, Distribution Distribution)> Paths(ComponentSpec spec, string prefix)
    {
        foreach (var (key, value) in spec.Params)
        {
            if (value is ParamValue.Sampled s) yield return (prefix + key, s.Distribution);
            else if (value is ParamValue.Component c)
                foreach (var p in Paths(c.Spec, prefix + key + ".")) yield return p;
        }
    }

    /// <summary>Every distribution's parameter path in a template ("lr", "inner.lr"), in draw order.</summary>
    public static IReadOnlyList<(string Path, Distribution Distribution)> Parameters(ComponentSpec? template) =>
        template is null ? [] : [.. Paths(template, "")];

    private static ComponentSpec AtLow(ComponentSpec spec)
    {
        var result = new ComponentSpec(spec.Name);
        foreach (var (key, value) in spec.Params)
            result = result.With(key, value switch
            {
                ParamValue.Sampled s => s.Distribution.Corners().First(),
                ParamValue.Component c => new ParamValue.Component(AtLow(c.Spec)),
                _ => value,
            });
        return result;
    }

    private static ComponentSpec Set(ComponentSpec spec, string[] path, ParamValue value) =>
        path.Length == 1
            ? spec.With(path[0], value)
            : spec.With(path[0], new ParamValue.Component(Set(((ParamValue.Component)spec.Params[path[0]]).Spec, path[1..], value)));
}

public enum EarlyStoppingMethod { Asha, Median }

/// <summary>
/// Stops trials that fall behind at rungs: ASHA keeps the best 1/<see cref="Reduction"/> of the
/// trials at each rung (rungs at grace·reduction^k epochs), the median rule the better half (a rung
/// every <see cref="GraceEpochs"/> epochs). Decisions follow trial-index order (<see cref="RungLadder"/>),
/// so they never depend on which result arrives first.
/// </summary>
public sealed record EarlyStoppingSpec(EarlyStoppingMethod Method, string Metric, int GraceEpochs, int Reduction)
{
    /// <summary>Higher is better for accuracies, lower for losses; a program's metric as its spec says.</summary>
    public bool HigherIsBetter => Maximize ?? Metric.EndsWith("accuracy", StringComparison.Ordinal);

    /// <summary>Set for a program's metrics (any name): whether more is better.</summary>
    public bool? Maximize { get; init; }

    /// <summary>The share of a rung's trials that go on.</summary>
    public double Keep => Method == EarlyStoppingMethod.Asha ? 1.0 / Reduction : 0.5;

    /// <summary>The epochs after which a decision is taken, below <paramref name="epochs"/> (the last epoch needs none).</summary>
    public IReadOnlyList<int> Rungs(int epochs)
    {
        var rungs = new List<int>();
        if (Method == EarlyStoppingMethod.Asha)
            for (long e = GraceEpochs; e < epochs; e *= Reduction) rungs.Add((int)e);
        else
            for (var e = GraceEpochs; e < epochs; e += GraceEpochs) rungs.Add(e);
        return rungs;
    }

    /// <summary>The metric after epoch <paramref name="epoch"/> of a curve, as the ladder compares it (higher is better; a missing value is worst).</summary>
    /// <summary>A curve's scores at the rungs it reached (rung epochs ascending).</summary>
    public IReadOnlyList<double> ScoresAtRungs(IReadOnlyList<int> rungEpochs, IReadOnlyList<Results.EpochResult> curve) =>
        [.. rungEpochs.TakeWhile(e => e <= curve.Count).Select(e => Score(curve[e - 1]))];

    public double Score(Results.EpochResult epoch)
    {
        var v = Maximize is { } more
            ? (epoch.Metric(Metric) is var m && more ? m : -m)
            : Metric switch
            {
                "validation_loss" => -epoch.ValidationLoss,
                "train_accuracy" => epoch.TrainAccuracy,
                "train_loss" => -epoch.TrainLoss,
                _ => epoch.ValidationAccuracy,
            };
        return double.IsFinite(v) ? v : double.NegativeInfinity;
    }

    public static readonly string[] Metrics = ["validation_accuracy", "validation_loss", "train_accuracy", "train_loss"];
}
