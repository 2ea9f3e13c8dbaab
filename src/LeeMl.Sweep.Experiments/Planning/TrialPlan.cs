using System.Text;
using LeeMl.Sweep.Experiments.Search;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Experiments.Planning;

/// <summary>
/// A sweep's trials as an index space: trial i's key, seeds and components are computed when
/// asked for, so a plan of a million trials costs the same few bytes as one of ten. Index order:
/// seed, then sample of the search, then model, then optimizer × schedule × warm-up × noise;
/// closed-form models have one cell (per sample, if they draw). A cell without a distribution is
/// taken once, at sample 0, however many samples: it would give the same result again. Samples
/// and seeds come outermost so that a larger spec (more samples, more seeds) orders the smaller
/// one's trials first within each seed, as early stopping's cohorts need for an extended job to
/// equal the larger one. Pure: the same spec gives the same trial at the same index on every
/// node, drawn values included.
/// </summary>
public sealed class TrialPlan
{
    private readonly (ComponentSpec? Spec, string Text)[] _optimizers, _schedules, _warmups, _noises, _models;
    // Two layouts of one sample's cells: sample 0 has every cell, a later sample only the cells that draw.
    private readonly Layout _first, _drawing;
    private readonly long _block;                 // trials per seed
    private readonly ulong[] _splitSeeds;

    public TrialPlan(SweepSpec spec)
    {
        Spec = spec;
        // Each component's text once, not once per trial.
        static (ComponentSpec? Spec, string Text)[] Texts(IEnumerable<ComponentSpec?> specs) => [.. specs.Select(c => (c, c?.ToString() ?? "-"))];
        var g = spec.Grid;
        (_optimizers, _schedules, _warmups, _noises) = (Texts(g.Optimizers.Cast<ComponentSpec?>()), Texts(g.Schedules), Texts(g.Warmups), Texts(g.Noises));
        _models = Texts(spec.Models.Cast<ComponentSpec?>());
        var samples = spec.Search.Method == SearchMethod.Grid ? 1 : spec.Search.Samples;
        _first = new Layout(_models.Length);
        _drawing = new Layout(_models.Length);
        for (var m = 0; m < _models.Length; m++)
        {
            var model = _models[m].Spec!;
            var drawsModel = SearchSpec.HasDistribution(model);
            var closed = OneCell(spec, model);
            var pairs = closed ? 1 : _optimizers.Length * _schedules.Length;
            var perPair = closed ? 1L : (long)_warmups.Length * _noises.Length;
            _first.PairStart[m] = new long[pairs + 1];
            _drawing.PairStart[m] = new long[pairs + 1];
            var drawsWarmup = _warmups.Any(w => SearchSpec.HasDistribution(w.Spec));
            for (var p = 0; p < pairs; p++)
            {
                var draws = drawsModel || (!closed && (drawsWarmup || SearchSpec.HasDistribution(_optimizers[p / _schedules.Length].Spec) || SearchSpec.HasDistribution(_schedules[p % _schedules.Length].Spec)));
                _first.PairStart[m][p + 1] = _first.PairStart[m][p] + perPair;
                _drawing.PairStart[m][p + 1] = _drawing.PairStart[m][p] + (draws ? perPair : 0);
            }
            _first.ModelStart[m + 1] = _first.ModelStart[m] + _first.PairStart[m][pairs];
            _drawing.ModelStart[m + 1] = _drawing.ModelStart[m] + _drawing.PairStart[m][pairs];
        }
        _block = _first.Size + (samples - 1) * _drawing.Size;
        _splitSeeds = [.. spec.Seeds.Select(seed => Hash($"{spec.Seed}|split|{seed}"))];
        Count = _block * spec.Seeds.Length;
        IsTpe = spec.Search.Method == SearchMethod.Tpe;
        _tpeCells = (int)Math.Min(int.MaxValue, _first.Size);
        if (IsTpe && Enumerable.Range(0, _tpeCells).FirstOrDefault(c => TpeDimensions(c).Count == 0, -1) is var bare and >= 0)
            throw new ArgumentException($"tpe searches distributions, and the cell {TpeCellText(bare)} has none (give one of its components a distribution)");
    }

    /// <summary>TPE: a cell as its trials' keys begin, with its distributions unrealized.</summary>
    public string TpeCellText(int cell)
    {
        var (m, o, s, w, n, closed) = CellAt(_first, cell);
        return closed ? _models[m].Text : string.Join('|', _models[m].Text, _optimizers[o].Text, _schedules[s].Text, _warmups[w].Text, _noises[n].Text);
    }

    private readonly int _tpeCells;

    /// <summary>TPE: how many cells the search learns in, each on its own (every combination of the grid's listed levels; a program's or function's cells).</summary>
    public int TpeCells => _tpeCells;

    /// <summary>
    /// A TPE search: its trials are ordered sample by sample — sample k of every cell, each with
    /// every seed — so that a sample's proposal, which waits for the results of earlier samples of
    /// its cell, never waits for a trial that comes after it. Its drawn values come with each trial
    /// (<see cref="At(long, IReadOnlyList{double}?)"/>) instead of from the index alone.
    /// </summary>
    public bool IsTpe { get; }

    /// <summary>TPE: the cell, sample and seed (as an index into the spec's seeds) of trial <paramref name="index"/>.</summary>
    public (int Cell, long Sample, int SeedIndex) TpeSlot(long index)
    {
        var seeds = Spec.Seeds.Length;
        var rest = index / seeds;
        return ((int)(rest % _tpeCells), rest / _tpeCells, (int)(index % seeds));
    }

    /// <summary>TPE: the index of a cell's sample for one seed.</summary>
    public long TpeIndex(int cell, long sample, int seedIndex) => (sample * _tpeCells + cell) * Spec.Seeds.Length + seedIndex;

    /// <summary>TPE: each value a trial of cell <paramref name="cell"/> draws, as the searcher sees it — the model's, then the optimizer's, the schedule's and the warm-up's.</summary>
    public IReadOnlyList<TpeDimension> TpeDimensions(int cell)
    {
        var (m, o, s, w, _, closed) = CellAt(_first, cell);
        return closed ? SearchSpec.TpeDimensions(_models[m].Spec)
            : [.. SearchSpec.TpeDimensions(_models[m].Spec), .. SearchSpec.TpeDimensions(_optimizers[o].Spec), .. SearchSpec.TpeDimensions(_schedules[s].Spec), .. SearchSpec.TpeDimensions(_warmups[w].Spec)];
    }

    /// <summary>The cell at <paramref name="position"/> of one sample's layout: its model, optimizer, schedule, warm-up and noise levels (a closed-form model or a program's cell: the model alone).</summary>
    private (int Model, int Optimizer, int Schedule, int Warmup, int Noise, bool Closed) CellAt(Layout layout, long position)
    {
        var m = layout.ModelAt(position);
        if (OneCell(Spec, _models[m].Spec!)) return (m, 0, 0, 0, 0, true);
        var inModel = position - layout.ModelStart[m];
        var starts = layout.PairStart[m];
        var p = Array.BinarySearch(starts, inModel);
        p = p >= 0 ? p : ~p - 1;
        while (p + 1 < starts.Length - 1 && starts[p + 1] <= inModel) p++;   // equal starts: pairs of no trials
        var c = inModel - starts[p];
        return (m, p / _schedules.Length, p % _schedules.Length, (int)(c / _noises.Length), (int)(c % _noises.Length), false);
    }

    public SweepSpec Spec { get; }

    public long Count { get; }

    /// <summary>The most curve points (one per epoch of each trial) a job of the spec stores; <see cref="long.MaxValue"/> past 64 bits.</summary>
    public static long CurvePointsOf(SweepSpec spec)
    {
        var count = CountOf(spec);
        return count > long.MaxValue / Math.Max(1, spec.Epochs) ? long.MaxValue : count * spec.Epochs;
    }

    /// <summary>
    /// How many trials a spec has, from the sizes of its axes alone (nothing is built per trial or
    /// per optimizer × schedule pair), in checked arithmetic: <see cref="long.MaxValue"/> when the
    /// count does not fit in 64 bits. Equal to <see cref="Count"/> of the plan.
    /// </summary>
    public static long CountOf(SweepSpec spec)
    {
        var g = spec.Grid;
        var samples = spec.Search.Method == SearchMethod.Grid ? 1L : spec.Search.Samples;
        long optimizers = g.Optimizers.Length, schedules = g.Schedules.Length;
        long fixedOptimizers = g.Optimizers.Count(o => !SearchSpec.HasDistribution(o)), fixedSchedules = g.Schedules.Count(s => !SearchSpec.HasDistribution(s));
        var drawsWarmup = g.Warmups.Any(w => SearchSpec.HasDistribution(w));
        try
        {
            checked
            {
                long block = 0;
                foreach (var model in spec.Models)
                {
                    var drawsModel = SearchSpec.HasDistribution(model);
                    if (OneCell(spec, model))
                    {
                        block += drawsModel ? samples : 1;
                        continue;
                    }
                    var pairs = optimizers * schedules;
                    var drawing = drawsModel || drawsWarmup ? pairs : pairs - fixedOptimizers * fixedSchedules;
                    block += (long)g.Warmups.Length * g.Noises.Length * (drawing * samples + (pairs - drawing));
                }
                return block * spec.Seeds.Length;
            }
        }
        catch (OverflowException)
        {
            return long.MaxValue;
        }
    }

    public TrialSpec this[long index] => At(index);

    /// <summary>Trial <paramref name="index"/>; under TPE with the values proposed for it (<paramref name="draws"/>, one per distribution, in draw order).</summary>
    public TrialSpec At(long index, IReadOnlyList<double>? draws = null)
    {
        if ((ulong)index >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the plan has {Count} trials");
        if (IsTpe) return Proposed(index, draws);
        var seedIndex = (int)(index / _block);
        var (sample, layout, position) = Locate(index % _block);
        var (m, o, s, w, n, closed) = CellAt(layout, position);
        var (model, modelText) = _models[m];
        var seed = Spec.Seeds[seedIndex];
        var dimension = 0;
        var cell = $"{m}|{o * _schedules.Length + s}";
        var drawnModel = Spec.Search.Realize(model, cell, sample, ref dimension)!;
        var drawnModelText = ReferenceEquals(drawnModel, model) ? modelText : drawnModel.ToString();
        if (closed)
            return Trial(index, drawnModel, drawnModelText, (null, "-"), (null, "-"), (null, "-"), (null, "-"), seed, _splitSeeds[seedIndex], sample);
        var optimizer = Drawn(_optimizers[o], cell, sample, ref dimension);
        var schedule = Drawn(_schedules[s], cell, sample, ref dimension);
        // Each warm-up level draws its own dimensions, after those of the levels before it.
        for (var before = 0; before < w; before++) dimension += SearchSpec.Dimensions(_warmups[before].Spec);
        return Trial(index, drawnModel, drawnModelText, optimizer, schedule, Drawn(_warmups[w], cell, sample, ref dimension), _noises[n], seed, _splitSeeds[seedIndex], sample);
    }

    private TrialSpec Proposed(long index, IReadOnlyList<double>? draws)
    {
        var (cell, sample, seedIndex) = TpeSlot(index);
        var wanted = TpeDimensions(cell).Count;
        if (draws is null || draws.Count != wanted || draws.Any(u => !(u >= 0 && u < 1)))
            throw new ArgumentException($"trial {index} of a TPE search needs its {wanted} proposed values in [0, 1)", nameof(draws));
        var (m, o, s, w, n, closed) = CellAt(_first, cell);
        var dimension = 0;
        (ComponentSpec? Spec, string Text) Proposal((ComponentSpec? Spec, string Text) template)
        {
            var proposed = SearchSpec.Realize(template.Spec, draws, ref dimension);
            return ReferenceEquals(proposed, template.Spec) ? template : (proposed, proposed!.ToString());
        }
        var model = Proposal(_models[m]);
        (ComponentSpec? Spec, string Text) none = (null, "-");
        var (optimizer, schedule, warmup, noise) = closed ? (none, none, none, none) : (Proposal(_optimizers[o]), Proposal(_schedules[s]), Proposal(_warmups[w]), _noises[n]);
        return Trial(index, model.Spec!, model.Text, optimizer, schedule, warmup, noise, Spec.Seeds[seedIndex], _splitSeeds[seedIndex], sample) with { IsProposed = true };
    }

    private (ComponentSpec? Spec, string Text) Drawn((ComponentSpec? Spec, string Text) template, string cell, long sample, ref int dimension)
    {
        var drawn = Spec.Search.Realize(template.Spec, cell, sample, ref dimension);
        return ReferenceEquals(drawn, template.Spec) ? template : (drawn, drawn!.ToString());
    }

    /// <summary>The cells of one sample of a seed: where each model's trials and each of its optimizer × schedule pairs start.</summary>
    private sealed class Layout(int models)
    {
        public readonly long[] ModelStart = new long[models + 1];
        public readonly long[][] PairStart = new long[models][];   // per model (closed form: one pair); a pair that does not draw is empty in the drawing layout

        public long Size => ModelStart[^1];

        public int ModelAt(long position)
        {
            var m = 0;
            while (ModelStart[m + 1] <= position) m++;
            return m;
        }
    }

    /// <summary>The sample, layout and position in it of offset <paramref name="r"/> within a seed's block.</summary>
    private (long Sample, Layout Layout, long Position) Locate(long r) =>
        r < _first.Size ? (0, _first, r) : (1 + (r - _first.Size) / _drawing.Size, _drawing, (r - _first.Size) % _drawing.Size);

    /// <summary>
    /// The cohort of trial <paramref name="index"/> for early stopping — its seed, as an index into the
    /// spec's seeds — and its place in that cohort, in the order the trials are handed out.
    /// </summary>
    public (int Cohort, long Place) CohortOf(long index) =>
        IsTpe ? ((int)(index % Spec.Seeds.Length), index / Spec.Seeds.Length) : ((int)(index / _block), index % _block);

    /// <summary>The trial at <paramref name="place"/> of cohort <paramref name="cohort"/> (the inverse of <see cref="CohortOf"/>).</summary>
    public long IndexOf(int cohort, long place) => IsTpe ? place * Spec.Seeds.Length + cohort : cohort * _block + place;

    /// <summary>How many trials each early-stopping cohort (each seed) has.</summary>
    public long CohortSize => Count / Math.Max(1, Spec.Seeds.Length);

    /// <summary>How many models the plan has (the groups whose trials cost alike).</summary>
    public int Models => _models.Length;

    /// <summary>The model of trial <paramref name="index"/>, as an index into the spec's models: cheap, no trial is built.</summary>
    public int ModelOf(long index)
    {
        if (IsTpe) return _first.ModelAt(TpeSlot(index).Cell);
        var (_, layout, position) = Locate(index % _block);
        return layout.ModelAt(position);
    }

    /// <summary>Whether trial <paramref name="index"/> trains (has epochs), without building it.</summary>
    public bool IsTrained(long index) => Spec.HasParameterCells || !ModelCatalog.IsClosedForm(_models[ModelOf(index)].Spec!.Name);

    /// <summary>A model whose trials have no optimizer axes: a closed-form one, or a program's or function's cell of parameters.</summary>
    private static bool OneCell(SweepSpec spec, ComponentSpec model) => spec.HasParameterCells || ModelCatalog.IsClosedForm(model.Name);

    /// <summary>How many trials of the plan train model <paramref name="model"/>.</summary>
    public long TrialsOfModel(int model) =>
        (_first.ModelStart[model + 1] - _first.ModelStart[model] + (_block - _first.Size) / Math.Max(1, _drawing.Size) * (_drawing.ModelStart[model + 1] - _drawing.ModelStart[model])) * Spec.Seeds.Length;

    /// <summary>Every trial in index order, one at a time (not for a TPE search, whose values come from its results).</summary>
    public IEnumerable<TrialSpec> All()
    {
        for (long i = 0; i < Count; i++) yield return At(i);
    }

    private TrialSpec Trial(long index, ComponentSpec model, string modelText, (ComponentSpec? Spec, string Text) o, (ComponentSpec? Spec, string Text) s,
        (ComponentSpec? Spec, string Text) w, (ComponentSpec? Spec, string Text) n, int seed, ulong splitSeed, long sample)
    {
        var seedText = seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // A program's or function's trial is its parameters and seed: program(hidden=32, lr=0.01)|seed=1.
        var key = Spec.HasParameterCells ? string.Concat(modelText, "|seed=", seedText)
            : string.Concat(modelText, "|", o.Text, "|", s.Text, "|", w.Text, "|", n.Text, "|seed=", seedText);
        return new TrialSpec(index, key, model, o.Spec, s.Spec, w.Spec, n.Spec, seed, Hash($"{Spec.Seed}|{key}"), splitSeed) { Sample = sample };
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
