using System.Globalization;
using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Reporting.Analysis;

/// <summary>A cell's mean train and validation accuracy (%) per epoch over its completed trials.</summary>
public sealed record MeanCurve(double[] Train, double[] Validation);

/// <summary>The learning rate a trial's schedule gave at the end of each epoch (its stored <c>lr</c>), by optimizer step.</summary>
public sealed record RateCurve(string Optimizer, string Schedule, string Warmup, long[] Steps, double[] Rates);

/// <summary>What one pass over a job's results leaves: a summary per trial, the mean curves of the best cells, and one learning-rate curve per optimizer × schedule × warm-up.</summary>
public sealed record ResultSet(IReadOnlyList<ResultRecord> Records, IReadOnlyDictionary<string, MeanCurve> MeanCurves, IReadOnlyList<RateCurve> Rates);

/// <summary>
/// One pass over a job's results in key order, each parsed once: it keeps a small summary per trial,
/// writes curves.csv as it goes, and keeps the curves the figures draw — the mean curves of the best
/// <see cref="CurveCells"/> cells and one learning-rate curve per optimizer × schedule × warm-up,
/// from the best cell that has it. In key order a cell's trials (its seeds) come together, so a cell
/// is ranked as soon as its last trial is read, and memory stays bounded by what is drawn.
/// </summary>
public sealed class ResultPass
{
    /// <summary>At most this many cells' mean curves, and lines in the learning-rate figure: the best by validation accuracy.</summary>
    public const int CurveCells = 24, RateLines = 12;

    /// <summary>A cell's rank: by mean validation accuracy (none last), then by name; as the cell table orders them.</summary>
    public static int Compare(double validationA, string cellA, double validationB, string cellB)
    {
        var a = double.IsNaN(validationA) ? double.NegativeInfinity : validationA;
        var b = double.IsNaN(validationB) ? double.NegativeInfinity : validationB;
        return a != b ? b.CompareTo(a) : string.CompareOrdinal(cellA, cellB);
    }

    private sealed record Ranked(double Validation, string Cell);

    private sealed class OpenCell(string cell, bool closedForm)
    {
        public string Cell { get; } = cell;
        public bool ClosedForm { get; } = closedForm;
        public List<double> Validations { get; } = [];
        public List<double> Train { get; } = [];
        public List<double> Validation { get; } = [];
        public List<int> TrainN { get; } = [];
        public List<int> ValidationN { get; } = [];
        public RateCurve? Rate { get; set; }
    }

    private readonly TextWriter? _curvesCsv;
    private readonly List<ResultRecord> _records = [];
    private readonly Dictionary<string, string> _pool = new(StringComparer.Ordinal);
    private readonly List<(Ranked Rank, MeanCurve Curve)> _best = [];
    private readonly Dictionary<(string, string, string), (Ranked Rank, RateCurve Curve)> _rates = [];
    private readonly HashSet<string> _closedCells = new(StringComparer.Ordinal);
    private OpenCell? _open;
    private string? _lastKey;

    /// <summary><paramref name="curvesCsv"/>: where curves.csv goes, one row per trial and epoch (null: nowhere).</summary>
    public ResultPass(TextWriter? curvesCsv)
    {
        _curvesCsv = curvesCsv;
        _curvesCsv?.Write("key,epoch,step,lr,train_loss,train_accuracy,validation_loss,validation_accuracy,gradient_norm\n");
    }

    private string Intern(string s) => _pool.TryGetValue(s, out var shared) ? shared : _pool[s] = s;

    /// <summary>The next trial, in key order.</summary>
    public void Add(TrialResult result, TrialTelemetry? telemetry)
    {
        if (_lastKey is not null && string.CompareOrdinal(_lastKey, result.Key) >= 0)
            throw new InvalidDataException($"results are not in key order: '{result.Key}' after '{_lastKey}' (results.jsonl is written sorted by trial key, one line per trial)");
        _lastKey = result.Key;
        WriteCurve(result);
        var record = new ResultRecord(result, telemetry is null ? null : telemetry with { Node = Intern(telemetry.Node) }, Intern);
        _records.Add(record);
        if (_open?.Cell != record.Cell)
        {
            Close();
            _open = new OpenCell(record.Cell, record.IsClosedForm);
        }
        var open = _open!;
        if (record.Succeeded) open.Validations.Add(100 * record.ValidationAccuracy);
        if (record.Succeeded && result.Epochs.Count > 0)
            for (var e = 0; e < result.Epochs.Count; e++)
            {
                if (open.Train.Count <= e) { open.Train.Add(0); open.Validation.Add(0); open.TrainN.Add(0); open.ValidationN.Add(0); }
                if (double.IsFinite(result.Epochs[e].TrainAccuracy)) { open.Train[e] += 100 * result.Epochs[e].TrainAccuracy; open.TrainN[e]++; }
                if (double.IsFinite(result.Epochs[e].ValidationAccuracy)) { open.Validation[e] += 100 * result.Epochs[e].ValidationAccuracy; open.ValidationN[e]++; }
            }
        if (!record.IsClosedForm && open.Rate is null && result.Epochs.Count > 0)
            open.Rate = new RateCurve(record.Optimizer, record.Schedule, record.Warmup, [.. result.Epochs.Select(e => e.Step)], [.. result.Epochs.Select(e => e.LearningRate)]);
    }

    /// <summary>The pass is over: what the report is made of.</summary>
    public ResultSet Finish()
    {
        Close();
        var rates = _rates.Values.OrderBy(r => r.Rank, RankOrder).Take(RateLines).Select(r => r.Curve)
            .OrderBy(r => r.Optimizer + r.Schedule + r.Warmup, StringComparer.Ordinal).ToList();
        return new ResultSet(_records, _best.ToDictionary(b => b.Rank.Cell, b => b.Curve, StringComparer.Ordinal), rates);
    }

    private static readonly IComparer<Ranked> RankOrder = Comparer<Ranked>.Create((a, b) => Compare(a.Validation, a.Cell, b.Validation, b.Cell));

    /// <summary>The open cell's trials are all read: rank it, and keep its curves if they are among those drawn.</summary>
    private void Close()
    {
        if (_open is not { } c) return;
        _open = null;
        if (!_closedCells.Add(c.Cell)) throw new InvalidDataException($"results are not grouped by cell: '{c.Cell}' comes twice");
        var rank = new Ranked(Estimate.Of(c.Validations).Mean, c.Cell);
        if (c.Rate is { } rate)
        {
            var group = (rate.Optimizer, rate.Schedule, rate.Warmup);
            if (!_rates.TryGetValue(group, out var held) || RankOrder.Compare(rank, held.Rank) < 0) _rates[group] = (rank, rate);
        }
        if (c.ClosedForm || c.Validations.Count == 0 || c.Train.Count == 0) return;
        var curve = new MeanCurve(
            [.. c.Train.Select((t, e) => c.TrainN[e] > 0 ? t / c.TrainN[e] : double.NaN)],
            [.. c.Validation.Select((v, e) => c.ValidationN[e] > 0 ? v / c.ValidationN[e] : double.NaN)]);
        var at = _best.FindIndex(b => RankOrder.Compare(rank, b.Rank) < 0);
        _best.Insert(at < 0 ? _best.Count : at, (rank, curve));
        if (_best.Count > CurveCells) _best.RemoveAt(_best.Count - 1);
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    private void WriteCurve(TrialResult r)
    {
        if (_curvesCsv is null) return;
        var key = Learning.Data.CsvFile.Field(r.Key);
        foreach (var e in r.Epochs)
            _curvesCsv.Write(string.Create(CultureInfo.InvariantCulture, $"{key},{e.Epoch},{e.Step},{F(e.LearningRate)},{F(e.TrainLoss)},{F(e.TrainAccuracy)},{F(e.ValidationLoss)},{F(e.ValidationAccuracy)},{F(e.GradientNorm)}\n"));
    }
}
