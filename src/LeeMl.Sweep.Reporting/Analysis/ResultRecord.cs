using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Reporting.Analysis;

/// <summary>
/// A grid cell's levels, one object shared by all of its trials: the cell's text, its model and
/// its optimizer, schedule, warm-up and noise as the results wrote them (null for none); for a
/// program's trials, its parameters, each an axis of its own.
/// </summary>
public sealed class CellLevels(string cell, string model, string? optimizer, string? schedule, string? warmup, string? noise,
    IReadOnlyDictionary<string, string>? parameters = null)
{
    /// <summary>The grid cell: everything but the seed.</summary>
    public string Cell { get; } = cell;
    public string Model { get; } = model;
    public string? OptimizerSpec { get; } = optimizer;
    public string? ScheduleSpec { get; } = schedule;
    public string? WarmupSpec { get; } = warmup;
    public string? NoiseSpec { get; } = noise;

    /// <summary>A program trial's parameters (null for the built-in trials).</summary>
    public IReadOnlyDictionary<string, string>? Parameters { get; } = parameters;

    /// <summary>No optimizer axes and no parameters: a closed-form model, which trains no curve.</summary>
    public bool IsClosedForm => OptimizerSpec is null && Parameters is null;

    /// <summary>The value of a grid axis ("model", "optimizer", "schedule", "warmup", "noise", or a program's parameter); "-" for none.</summary>
    public string Axis(string axis) => Parameters is { } p && axis != "model" ? p.GetValueOrDefault(axis, "-") : axis switch
    {
        "model" => Model,
        "optimizer" => OptimizerSpec ?? "-",
        "schedule" => ScheduleSpec ?? "-",
        "warmup" => WarmupSpec ?? "-",
        "noise" => NoiseSpec ?? "-",
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "unknown axis"),
    };
}

/// <summary>
/// Every trial of a job as the report keeps it after its one pass over the results, in key order:
/// what comparing trials across cells needs (the factor effects pair trials of different cells, the
/// Search section orders them) and nothing else — per trial its cell, seed, outcome, epochs trained
/// and two accuracies, in columns (under 30 bytes a trial). Everything a trial's own row needs
/// (results.csv, failures, the cell table) is used while the pass reads it and dropped. A key is
/// kept only where it is not its cell and seed.
/// </summary>
public sealed class TrialTable : IReadOnlyList<ResultRecord>
{
    private readonly List<CellLevels> _cells = [];
    private readonly Dictionary<int, string> _keys = [];
    private int[] _cell = new int[16], _seed = new int[16], _epochs = new int[16];
    private byte[] _outcome = new byte[16];
    private double[] _train = new double[16], _validation = new double[16], _objective = new double[16];
    private long[] _sample = new long[16];

    public int Count { get; private set; }

    /// <summary>The cells, in the order their trials came.</summary>
    public IReadOnlyList<CellLevels> Cells => _cells;

    /// <summary>Starts a cell: the trials added next are its.</summary>
    public void StartCell(CellLevels levels) => _cells.Add(levels);

    /// <summary>A trial of the cell last started.</summary>
    public void Add(string key, int seed, TrialOutcome outcome, int epochs, double train, double validation, double objective = double.NaN, long sample = -1)
    {
        if (_cells.Count == 0) throw new InvalidOperationException("a trial before its cell");
        if (Count == _cell.Length)
        {
            var size = Count * 2;
            Array.Resize(ref _cell, size); Array.Resize(ref _seed, size); Array.Resize(ref _epochs, size);
            Array.Resize(ref _outcome, size); Array.Resize(ref _train, size); Array.Resize(ref _validation, size);
            Array.Resize(ref _objective, size); Array.Resize(ref _sample, size);
        }
        var i = Count++;
        (_cell[i], _seed[i], _outcome[i], _epochs[i], _train[i], _validation[i]) = (_cells.Count - 1, seed, (byte)outcome, epochs, train, validation);
        (_objective[i], _sample[i]) = (objective, sample);
        if (key != DerivedKey(_cells[^1].Cell, seed)) _keys[i] = key;
    }

    internal static string DerivedKey(string cell, int seed) => string.Concat(cell, "|seed=", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public ResultRecord this[int index] => (uint)index < (uint)Count ? new ResultRecord(this, index) : throw new ArgumentOutOfRangeException(nameof(index));

    internal CellLevels LevelsOf(int i) => _cells[_cell[i]];
    internal int CellIndexOf(int i) => _cell[i];
    internal string KeyOf(int i) => _keys.TryGetValue(i, out var key) ? key : DerivedKey(LevelsOf(i).Cell, _seed[i]);
    internal int SeedOf(int i) => _seed[i];
    internal TrialOutcome OutcomeOf(int i) => (TrialOutcome)_outcome[i];
    internal int EpochsOf(int i) => _epochs[i];
    internal double TrainOf(int i) => _train[i];
    internal double ValidationOf(int i) => _validation[i];
    internal double ObjectiveOf(int i) => _objective[i];
    internal long SampleOf(int i) => _sample[i];

    public IEnumerator<ResultRecord> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return new ResultRecord(this, i);
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>One trial of a <see cref="TrialTable"/>: a view of its row, made when asked for and held by nobody.</summary>
public readonly struct ResultRecord(TrialTable table, int index)
{
    /// <summary>Its row in the table (trials in key order).</summary>
    public int Index => index;

    public CellLevels Levels => table.LevelsOf(index);
    public string Key => table.KeyOf(index);
    public string Cell => Levels.Cell;
    public string Model => Levels.Model;
    public string Optimizer => Levels.OptimizerSpec ?? "-";
    public string Schedule => Levels.ScheduleSpec ?? "-";
    public string Warmup => Levels.WarmupSpec ?? "-";
    public string Noise => Levels.NoiseSpec ?? "-";

    /// <summary>The optimizer and the schedule as the result wrote them (null where the trial had none).</summary>
    public string? OptimizerSpec => Levels.OptimizerSpec;
    public string? ScheduleSpec => Levels.ScheduleSpec;

    public int Seed => table.SeedOf(index);
    public TrialOutcome Outcome => table.OutcomeOf(index);

    /// <summary>How many epochs the trial's curve has.</summary>
    public int EpochCount => table.EpochsOf(index);

    public double TrainAccuracy => table.TrainOf(index);
    public double ValidationAccuracy => table.ValidationOf(index);

    /// <summary>A program's or function's objective (NaN for the built-in trials, and where it was not finite).</summary>
    public double Objective => table.ObjectiveOf(index);

    /// <summary>A TPE trial's sample, the order its values were proposed in (−1 otherwise).</summary>
    public long Sample => table.SampleOf(index);

    public bool IsClosedForm => Levels.IsClosedForm;

    public bool Succeeded => Outcome == TrialOutcome.Completed;

    public double Gap => TrainAccuracy - ValidationAccuracy;

    /// <summary>The value of a grid axis ("model", "optimizer", "schedule", "warmup", "noise"); "-" for none.</summary>
    public string Axis(string axis) => Levels.Axis(axis);

    public static readonly IReadOnlyList<string> Axes = ["model", "optimizer", "schedule", "warmup", "noise"];
}

/// <summary>The trial with the highest validation accuracy (the first in key order among equals), as the Search section names it.</summary>
public sealed record BestTrial(string Key, double ValidationAccuracy, double TestAccuracy);
