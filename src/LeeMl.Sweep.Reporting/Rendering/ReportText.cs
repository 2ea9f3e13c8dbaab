using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Experiments.Results;
using System.Globalization;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Reporting.Rendering;

/// <summary>The words and numbers both report.md and report.html show, written once.</summary>
public static class ReportText
{
    public static string Status(JobProgress p, IReadOnlyList<ResultRecord> results)
    {
        var failed = results.Count(r => r.Outcome == TrialOutcome.Failed);
        var diverged = results.Count(r => r.Outcome == TrialOutcome.Diverged);
        var tail = $"{failed} failed, {diverged} diverged";
        if (p.IsComplete && failed > 0) return $"Complete with failures: {p.Done} of {p.Planned} trials ({tail}); see Failures.";
        if (p.IsComplete) return $"Complete: {p.Done} of {p.Planned} trials ({tail}).";
        var share = p.Planned > 0 ? (100.0 * p.Done / p.Planned).ToString("F0", CultureInfo.InvariantCulture) : "?";
        return p.State switch
        {
            JobState.Cancelled => $"Cancelled: {p.Done} of {p.Planned} trials done ({share} %) before the job was cancelled ({tail}). Every figure below covers those trials only.",
            null => $"Partial: {p.Done} of {p.Planned} trials in this folder ({share} %; {tail}). Every figure below covers those trials only.",
            { } state => $"In progress ({state.Name()}): {p.Done} of {p.Planned} trials done ({share} %), {p.Running} running ({tail}). " +
                         "Every figure below covers the finished trials only and will change as the job goes on.",
        };
    }

    public static string Pct(Estimate e) => double.IsNaN(e.Mean) ? "–"
        : e.N < 2 ? e.Mean.ToString("F2", CultureInfo.InvariantCulture)
        : $"{e.Mean.ToString("F2", CultureInfo.InvariantCulture)} ± {e.Sd.ToString("F2", CultureInfo.InvariantCulture)}";

    public static string Number(Estimate e, string format) => double.IsNaN(e.Mean) ? "–" : e.Mean.ToString(format, CultureInfo.InvariantCulture);

    public static readonly string[] CellHeader = ["", "cell", "seeds", "train %", "validation %", "test %", "gap (points)", "best epoch", "time (s)"];

    public static string[] CellRow(CellSummary c) =>
    [
        c.IsBest ? "★" : "", c.Label + (c.Diverged > 0 ? $" ({c.Diverged} diverged)" : "") + (c.Failed > 0 ? $" ({c.Failed} failed)" : ""),
        c.Completed == c.Seeds ? $"{c.Seeds}" : $"{c.Completed}/{c.Seeds}",
        Pct(c.Train), Pct(c.Validation), Pct(c.Test), Pct(c.Gap), Number(c.BestEpoch, "F1"), Number(c.Seconds, "F2"),
    ];

    /// <summary>How the status banner looks: ok (complete, nothing failed), partial (running), failed.</summary>
    public static string StatusKind(SweepReport r) => r.FailedTrials > 0 ? "failed" : r.Progress.IsComplete ? "ok" : "partial";

    public static readonly string[] FailureHeader = ["trial", "node", "attempt", "what happened", "error"];

    /// <summary>At most this many rows in the Failures table; the rest are counted.</summary>
    public const int FailureRows = 200;

    /// <summary>At most this many rows in the cell table, the best first; results.csv has every trial.</summary>
    public const int CellRows = 200;

    public static string MoreCells(SweepReport r) =>
        (r.Cells.Count > CellRows ? $"The best {CellRows} of {r.Cells.Count} cells; results.csv has every trial. " : "") + StoppedSummary(r);

    /// <summary>The cells early stopping ended wholly, in one sentence ("" when there are none).</summary>
    public static string StoppedSummary(SweepReport r)
    {
        var s = r.Stopped;
        if (s.Count == 0) return "";
        var at = string.Join(", ", s.AtEpochs.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Trials} after {e.Epoch} epoch{(e.Epoch == 1 ? "" : "s")}")));
        var best = double.IsNaN(s.BestValidation) ? "" : string.Create(CultureInfo.InvariantCulture, $"; the best of them had {s.BestValidation:F2} % validation accuracy where it stopped");
        return $"Not listed: {s.Count} cell{(s.Count == 1 ? "" : "s")} whose every trial early stopping ended (trials stopped: {at}){best}. results.csv has each trial.";
    }

    public static string[] FailureRow(FailureRow f) =>
    [
        f.Key, f.Node, f.Attempt.ToString(CultureInfo.InvariantCulture), f.TrialFailed ? "the trial failed" : "node fault; retried", Experiments.Text.Printable.Escape(f.Error),
    ];

    public static string FailureSummary(SweepReport r) =>
        $"{r.FailedTrials} trial(s) failed; {r.NodeFaults} attempt(s) hit a node fault and were retried on another node" +
        (r.Failures.Count > FailureRows ? $" (the first {FailureRows} rows below; {r.Failures.Count - FailureRows} more in telemetry.jsonl and results.jsonl)." : ".");

    public static readonly string[] LectureHeader = ["", "train % [95 % CI]", "validation % [95 % CI]"];

    /// <summary>Each optimizer's accuracies over the matched pairs, then the difference.</summary>
    public static IEnumerable<string[]> LectureRows(LectureAnswer l) =>
    [
        [l.Sgdm, WithInterval(l.SgdmTrain), WithInterval(l.SgdmValidation)],
        [l.Adam, WithInterval(l.AdamTrain), WithInterval(l.AdamValidation)],
        [$"{l.Adam} − {l.Sgdm} (points, {l.Pairs} pairs)", ReportBuilder.Interval(l.TrainDifference), ReportBuilder.Interval(l.ValidationDifference)],
    ];

    private static string WithInterval(Estimate e) => double.IsNaN(e.Mean) ? "–"
        : e.N < 2 ? e.Mean.ToString("F2", CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{e.Mean:F2} [{e.Low:F2}, {e.High:F2}]");

    public static readonly string[] EffectHeader = ["factor", "level vs reference", "Δ train (points) [95 % CI]", "Δ validation (points) [95 % CI]", "pairs"];

    public static string[] EffectRow(SweepReport report, FactorEffect e) =>
    [
        ReportBuilder.AxisTitle(e.Factor),
        $"{ReportBuilder.Display(report.ShortNames, e.Factor, e.Level)} vs {ReportBuilder.Display(report.ShortNames, e.Factor, e.Reference)}",
        ReportBuilder.Interval(e.TrainDifference), ReportBuilder.Interval(e.ValidationDifference), e.TrainDifference.N.ToString(CultureInfo.InvariantCulture),
    ];

    public const string Method =
        "Accuracies are percentages; ± is the standard deviation over seeds. A factor's effect is the mean paired " +
        "difference between a level and the reference level over trials that differ in that factor only (same model, " +
        "other axes and seed), with a 95 % t-interval. Closed-form models (generative baselines) have no optimizer and " +
        "appear in the cell table only. Gap = train − validation accuracy.";

    public static readonly string[] RungHeader = ["rung", "after epoch", "trials that reached it", "went on"];

    public static string[] RungRow(RungCount r) =>
        [r.Rung.ToString(CultureInfo.InvariantCulture), r.Epoch.ToString(CultureInfo.InvariantCulture), r.Reached.ToString(CultureInfo.InvariantCulture), r.Continued.ToString(CultureInfo.InvariantCulture)];

    public static readonly string[] ParameterHeader = ["sampled parameter", "distribution", "trials", "importance (η²)"];

    public static string[] ParameterRow(SampledParameter p) =>
        [p.Label, p.Distribution.ToString()!, p.Points.Count.ToString(CultureInfo.InvariantCulture), SearchSummary.Percent(p.Importance)];

    public static readonly string[] SwitchHeader = ["trial", "switched to SGD after step"];

    public static readonly string[] MetricHeader = ["metric", "trials", "mean at the end", "least", "greatest"];

    public static string[] MetricRow(MetricSummary m) =>
        [m.Name, m.Trials.ToString(CultureInfo.InvariantCulture), Number(m.Mean), Number(m.Min), Number(m.Max)];

    private static string Number(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>What a program's trials are judged by.</summary>
    public static string ObjectiveLine(SweepReport report) => report.Objective is { } o
        ? $"Objective: {o.Metric}, {(o.Maximize ? "higher" : "lower")} is better. Each trial's last value of every metric it reported (results.csv has them per trial, results.jsonl per step):"
        : "Each trial's last value of every metric it reported:";

    public static string[] SwitchRow((string Key, long? Step) r) =>
        [r.Key, r.Step is { } s ? s.ToString(CultureInfo.InvariantCulture) : "did not switch"];

    /// <summary>How many SWATS trials switched, and when.</summary>
    public static string SwitchSummary(SwatsSwitches s)
    {
        var sorted = s.Steps.Order().ToList();
        var when = sorted.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
            $", after step {sorted[0]:N0} at the earliest, {sorted[^1]:N0} at the latest (median {(sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2.0):N0})");
        var listed = s.Trials > s.First.Count ? $" The first {s.First.Count} in key order:" : "";
        return string.Create(CultureInfo.InvariantCulture, $"{s.Steps.Count} of {s.Trials} SWATS trials switched from Adam to SGD with momentum{when}; the others ran Adam to the end.{listed}");
    }

    /// <summary>The Search section's sentences: method, best configuration, compute.</summary>
    public static IEnumerable<string> SearchLines(SearchSummary s)
    {
        yield return $"Method: {s.Method}.";
        if (s.BestByMeasure is { } bm)
            yield return $"Best configuration: {Experiments.Text.Printable.Escape(bm.Key)} — {s.Measure.Label} {s.Measure.Text(bm.Value)} ({(s.Measure.Maximize ? "higher" : "lower")} is better).";
        else if (s.Best is { } b)
            yield return string.Create(CultureInfo.InvariantCulture,
                $"Best configuration: {Experiments.Text.Printable.Escape(b.Key)} — validation {100 * b.ValidationAccuracy:F2} %, test {(double.IsFinite(b.TestAccuracy) ? $"{100 * b.TestAccuracy:F2} %" : "–")}.");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Compute: {s.EpochsTrained:N0} epochs trained, {SearchSummary.Percent(s.ComputeShare)} of the {s.EpochsWithoutStopping:N0} the same trials would train without early stopping.");
        if (s.Proposals is { } p)
            yield return string.Create(CultureInfo.InvariantCulture,
                $"Proposals: {p.Proposals:N0}, {1000 * p.MeanProposalSeconds:F2} ms each on average; free slots waited {p.WaitSeconds:F1} slot-seconds in all for the results a proposal learns from (each waits for those of the samples up to its own minus the parallelism, minus one).");
    }
}
