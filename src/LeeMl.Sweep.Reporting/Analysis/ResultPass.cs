using System.Globalization;
using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Reporting.Analysis;

/// <summary>A cell's mean train and validation accuracy (%) per epoch over its completed trials.</summary>
public sealed record MeanCurve(double[] Train, double[] Validation);

/// <summary>The learning rate a trial's schedule gave at the end of each epoch (its stored <c>lr</c>), by optimizer step.</summary>
public sealed record RateCurve(string Optimizer, string Schedule, string Warmup, long[] Steps, double[] Rates);

/// <summary>
/// What one pass over a job's results leaves: a compact row per trial (<see cref="TrialTable"/>),
/// every cell summarised over its seeds (unlabelled: labels need every cell's levels) or, where early
/// stopping ended all its trials, counted among <see cref="Stopped"/>; the failures and node faults;
/// the best trial; the mean curves of the best cells; one learning-rate curve per optimizer × schedule × warm-up.
/// </summary>
public sealed record ResultSet(
    TrialTable Records, IReadOnlyList<(CellLevels Levels, CellSummary Summary)> Cells, StoppedCells Stopped,
    IReadOnlyList<FailureRow> Failures, BestTrial? Best, IReadOnlyDictionary<string, MeanCurve> MeanCurves, IReadOnlyList<RateCurve> Rates)
{
    /// <summary>Where the SWATS trials switched to SGD.</summary>
    public SwatsSwitches Switches { get; init; } = SwatsSwitches.None;

    /// <summary>Every cell's levels, stopped cells included.</summary>
    public IReadOnlyList<CellLevels> AllLevels => Records.Cells;

    /// <summary>A program's metrics over its trials' final values.</summary>
    public IReadOnlyList<MetricSummary> Metrics { get; init; } = [];

    /// <summary>The axes a cell varies on: the grid's five, or a program's parameters.</summary>
    public IReadOnlyList<string> Axes { get; init; } = ResultRecord.Axes;
}

/// <summary>
/// One pass over a job's results in key order, each parsed once. It writes curves.csv and
/// results.csv as it goes, summarises each cell as soon as its last trial is read (in key order a
/// cell's trials, its seeds, come together), and keeps per trial only a row of a <see cref="TrialTable"/>:
/// the memory a report needs grows by under 30 bytes a trial, and what the figures draw is bounded —
/// the mean curves of the best <see cref="CurveCells"/> cells and one learning-rate curve per
/// optimizer × schedule × warm-up, from the best cell that has it.
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

    /// <summary>A trial of the open cell: what the cell table summarises over seeds.</summary>
    private readonly record struct Seen(TrialOutcome Outcome, double Train, double Validation, double Test, int? BestEpoch, double Seconds, int EpochCount);

    private sealed class OpenCell(CellLevels levels)
    {
        public CellLevels Levels { get; } = levels;
        public List<Seen> Trials { get; } = [];
        public List<double> Train { get; } = [];
        public List<double> Validation { get; } = [];
        public List<int> TrainN { get; } = [];
        public List<int> ValidationN { get; } = [];
        public RateCurve? Rate { get; set; }
    }

    private readonly TextWriter? _curvesCsv, _resultsCsv;
    private readonly TrialTable _records = new();
    private readonly List<(CellLevels, CellSummary)> _cells = [];
    private readonly List<FailureRow> _failures = [];
    private readonly Dictionary<string, string> _pool = new(StringComparer.Ordinal);
    private readonly List<(Ranked Rank, MeanCurve Curve)> _best = [];
    private readonly Dictionary<(string, string, string), (Ranked Rank, RateCurve Curve)> _rates = [];
    private readonly HashSet<string> _closedCells = new(StringComparer.Ordinal);
    private readonly SortedDictionary<int, int> _stoppedAtEpochs = [];
    private int _stoppedCells;
    private double _stoppedBest = double.NaN;
    private BestTrial? _bestTrial;
    private readonly SortedSet<string> _parameterAxes = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, (int Count, double Sum, double Min, double Max)> _metrics = new(StringComparer.Ordinal);
    private int _swatsTrials;
    private readonly List<long> _switchSteps = [];
    private readonly List<(string, long?)> _firstSwitches = [];
    private OpenCell? _open;
    private string? _lastKey;

    /// <summary><paramref name="curvesCsv"/>, <paramref name="resultsCsv"/>: where curves.csv (a row per trial and epoch) and results.csv (a row per trial) go; null: nowhere.</summary>
    public ResultPass(TextWriter? curvesCsv, TextWriter? resultsCsv = null)
    {
        _curvesCsv = curvesCsv;
        _curvesCsv?.Write("key,epoch,step,lr,train_loss,train_accuracy,validation_loss,validation_accuracy,gradient_norm\n");
        _resultsCsv = resultsCsv;
        if (_resultsCsv is not null) Rendering.CsvExport.ResultsHeader(_resultsCsv);
    }

    private string Intern(string s) => _pool.TryGetValue(s, out var shared) ? shared : _pool[s] = s;

    private string? Shared(string? s) => s is null ? null : Intern(s);

    /// <summary>The next trial, in key order.</summary>
    public void Add(TrialResult result, TrialTelemetry? telemetry)
    {
        if (_lastKey is not null && string.CompareOrdinal(_lastKey, result.Key) >= 0)
            throw new InvalidDataException($"results are not in key order: '{result.Key}' after '{_lastKey}' (results.jsonl is written sorted by trial key, one line per trial)");
        _lastKey = result.Key;
        WriteCurve(result);
        if (_resultsCsv is not null) Rendering.CsvExport.ResultRow(_resultsCsv, result, telemetry);
        var cell = result.Cell;
        if (_open?.Levels.Cell != cell)
        {
            Close();
            var levels = new CellLevels(Intern(cell), Intern(result.Model), Shared(result.Optimizer), Shared(result.Schedule), Shared(result.Warmup), Shared(result.Noise), result.Params);
            if (result.Params is { } parameters) _parameterAxes.UnionWith(parameters.Keys);
            _records.StartCell(levels);
            _open = new OpenCell(levels);
        }
        foreach (var (name, value) in result.Metrics ?? System.Collections.Immutable.ImmutableSortedDictionary<string, double>.Empty)
        {
            if (!double.IsFinite(value)) continue;
            var m = _metrics.TryGetValue(name, out var seen) ? seen : (Count: 0, Sum: 0.0, Min: double.PositiveInfinity, Max: double.NegativeInfinity);
            _metrics[name] = (m.Count + 1, m.Sum + value, Math.Min(m.Min, value), Math.Max(m.Max, value));
        }
        var open = _open!;
        _records.Add(result.Key, result.Seed, result.Outcome, result.Epochs.Count, result.TrainAccuracy, result.ValidationAccuracy, result.Objective ?? double.NaN, result.Sample ?? -1);
        open.Trials.Add(new Seen(result.Outcome, result.TrainAccuracy, result.ValidationAccuracy, result.TestAccuracy, result.BestEpoch, telemetry?.Seconds ?? double.NaN, result.Epochs.Count));
        if (double.IsFinite(result.ValidationAccuracy) && (_bestTrial is null || result.ValidationAccuracy > _bestTrial.ValidationAccuracy))
            _bestTrial = new BestTrial(result.Key, result.ValidationAccuracy, result.TestAccuracy);
        if (result.SwitchedStep is not null || open.Levels.OptimizerSpec is { } o && ComponentName(o) == "swats")
        {
            _swatsTrials++;
            if (result.SwitchedStep is { } at) _switchSteps.Add(at);
            if (_firstSwitches.Count < SwatsSwitches.Rows) _firstSwitches.Add((result.Key, result.SwitchedStep));
        }
        if (telemetry is not null)
            foreach (var f in telemetry.Faults)
                _failures.Add(new FailureRow(result.Key, f.Node, f.Attempt, f.Error, false));
        if (result.Outcome == TrialOutcome.Failed)
            _failures.Add(new FailureRow(result.Key, telemetry?.Node ?? "-", telemetry?.Attempt ?? 1, result.Error ?? "(no message)", true));
        if (result.Outcome == TrialOutcome.Completed && result.Epochs.Count > 0)
            for (var e = 0; e < result.Epochs.Count; e++)
            {
                if (open.Train.Count <= e) { open.Train.Add(0); open.Validation.Add(0); open.TrainN.Add(0); open.ValidationN.Add(0); }
                if (double.IsFinite(result.Epochs[e].TrainAccuracy)) { open.Train[e] += 100 * result.Epochs[e].TrainAccuracy; open.TrainN[e]++; }
                if (double.IsFinite(result.Epochs[e].ValidationAccuracy)) { open.Validation[e] += 100 * result.Epochs[e].ValidationAccuracy; open.ValidationN[e]++; }
            }
        if (!open.Levels.IsClosedForm && open.Rate is null && result.Epochs.Count > 0)
            open.Rate = new RateCurve(open.Levels.Axis("optimizer"), open.Levels.Axis("schedule"), open.Levels.Axis("warmup"), [.. result.Epochs.Select(e => e.Step)], [.. result.Epochs.Select(e => e.LearningRate)]);
    }

    /// <summary>The pass is over: what the report is made of.</summary>
    public ResultSet Finish()
    {
        Close();
        var rates = _rates.Values.OrderBy(r => r.Rank, RankOrder).Take(RateLines).Select(r => r.Curve)
            .OrderBy(r => r.Optimizer + r.Schedule + r.Warmup, StringComparer.Ordinal).ToList();
        var stopped = _stoppedCells == 0 ? StoppedCells.None : new StoppedCells(_stoppedCells, [.. _stoppedAtEpochs.Select(kv => (kv.Key, kv.Value))], _stoppedBest);
        // In key order, and per trial its node faults by attempt before its own failure.
        var failures = _failures.OrderBy(f => f.Key, StringComparer.Ordinal).ThenBy(f => f.Attempt).ThenBy(f => f.TrialFailed).ToList();
        return new ResultSet(_records, _cells, stopped, failures, _bestTrial, _best.ToDictionary(b => b.Rank.Cell, b => b.Curve, StringComparer.Ordinal), rates)
        {
            Switches = _swatsTrials == 0 ? SwatsSwitches.None : new SwatsSwitches(_swatsTrials, _switchSteps, _firstSwitches),
            Axes = _parameterAxes.Count > 0 ? [.. _parameterAxes] : ResultRecord.Axes,
            Metrics = [.. _metrics.Select(m => new MetricSummary(m.Key, m.Value.Count, m.Value.Sum / m.Value.Count, m.Value.Min, m.Value.Max))],
        };
    }

    private static readonly IComparer<Ranked> RankOrder = Comparer<Ranked>.Create((a, b) => Compare(a.Validation, a.Cell, b.Validation, b.Cell));

    /// <summary>The open cell's trials are all read: summarise and rank it, and keep its curves if they are among those drawn.</summary>
    private void Close()
    {
        if (_open is not { } c) return;
        _open = null;
        var cell = c.Levels.Cell;
        if (!_closedCells.Add(cell)) throw new InvalidDataException($"results are not grouped by cell: '{cell}' comes twice");
        // A cell whose every trial early stopping ended has no finished training to rank: it is counted, not listed.
        if (c.Trials.All(t => t.Outcome == TrialOutcome.Stopped))
        {
            _stoppedCells++;
            foreach (var t in c.Trials)
            {
                _stoppedAtEpochs[t.EpochCount] = _stoppedAtEpochs.GetValueOrDefault(t.EpochCount) + 1;
                var v = 100 * t.Validation;
                if (double.IsFinite(v) && !(v <= _stoppedBest)) _stoppedBest = v;
            }
        }
        else
        {
            var ok = c.Trials.Where(t => t.Outcome == TrialOutcome.Completed).ToList();
            _cells.Add((c.Levels, new CellSummary(cell, "", c.Levels.IsClosedForm, c.Trials.Count, ok.Count,
                c.Trials.Count(t => t.Outcome == TrialOutcome.Diverged), c.Trials.Count(t => t.Outcome == TrialOutcome.Failed),
                Estimate.Of(ok.Select(t => 100 * t.Train)), Estimate.Of(ok.Select(t => 100 * t.Validation)),
                Estimate.Of(ok.Select(t => 100 * t.Test)), Estimate.Of(ok.Select(t => 100 * (t.Train - t.Validation))),
                Estimate.Of(ok.Where(t => t.BestEpoch is not null).Select(t => (double)t.BestEpoch!.Value)),
                Estimate.Of(c.Trials.Select(t => t.Seconds)), false)));
        }
        var validations = c.Trials.Where(t => t.Outcome == TrialOutcome.Completed).Select(t => 100 * t.Validation).ToList();
        var rank = new Ranked(Estimate.Of(validations).Mean, cell);
        if (c.Rate is { } rate)
        {
            var group = (rate.Optimizer, rate.Schedule, rate.Warmup);
            if (!_rates.TryGetValue(group, out var held) || RankOrder.Compare(rank, held.Rank) < 0) _rates[group] = (rank, rate);
        }
        if (c.Levels.IsClosedForm || validations.Count == 0 || c.Train.Count == 0) return;
        var curve = new MeanCurve(
            [.. c.Train.Select((t, e) => c.TrainN[e] > 0 ? t / c.TrainN[e] : double.NaN)],
            [.. c.Validation.Select((v, e) => c.ValidationN[e] > 0 ? v / c.ValidationN[e] : double.NaN)]);
        var at = _best.FindIndex(b => RankOrder.Compare(rank, b.Rank) < 0);
        _best.Insert(at < 0 ? _best.Count : at, (rank, curve));
        if (_best.Count > CurveCells) _best.RemoveAt(_best.Count - 1);
    }

    /// <summary>A component's name: its text up to the first parenthesis.</summary>
    private static string ComponentName(string component) => component.IndexOf('(') is var at and >= 0 ? component[..at] : component;

    private static string F(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    private void WriteCurve(TrialResult r)
    {
        if (_curvesCsv is null) return;
        var key = Learning.Data.CsvFile.Field(r.Key);
        foreach (var e in r.Epochs)
            _curvesCsv.Write(string.Create(CultureInfo.InvariantCulture, $"{key},{e.Epoch},{e.Step},{F(e.LearningRate)},{F(e.TrainLoss)},{F(e.TrainAccuracy)},{F(e.ValidationLoss)},{F(e.ValidationAccuracy)},{F(e.GradientNorm)}\n"));
    }
}
