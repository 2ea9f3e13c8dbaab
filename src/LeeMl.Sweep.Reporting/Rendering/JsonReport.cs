using System.Text.Json;
using System.Text.Json.Serialization;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Reporting.Rendering;

/// <summary>
/// report.json: what report.md and report.html show, as data — the lecture's question, the best cells
/// with their 95 % intervals, factor effects and gaps, failures, the mean learning curves of the best
/// cells and the search — for the dashboard and for scripts. Bounded like the other reports
/// (the best cells and failures only), so its size does not grow with the job. Accuracies and
/// differences are in percent (points); a value that does not exist is null. Written through
/// System.Text.Json's source generator from the records below.
/// </summary>
public static class JsonReport
{
    /// <summary>At most this many trials in the search's parallel coordinates: the best by validation accuracy.</summary>
    public const int SearchTrials = 2000;

    /// <summary>At most this many points of the best-so-far curve (evenly thinned).</summary>
    public const int ProgressPoints = 500;

    public static byte[] Render(SweepReport report, IReadOnlyDictionary<string, MeanCurve> curves) =>
        JsonSerializer.SerializeToUtf8Bytes(Of(report, curves), ReportJsonContext.Default.ReportJson);

    private static ReportJson Of(SweepReport report, IReadOnlyDictionary<string, MeanCurve> curves) => new(
        report.Name,
        ReportText.Status(report.Progress, report.Results),
        ReportText.StatusKind(report),
        report.Lecture?.Sentence,
        report.Lecture is { } l
            ? new LectureJson(l.Adam, l.Sgdm, l.Pairs, E(l.AdamTrain), E(l.SgdmTrain), E(l.AdamValidation), E(l.SgdmValidation), E(l.TrainDifference), E(l.ValidationDifference))
            : null,
        report.Cells.Count,
        report.Stopped.Count > 0 ? ReportText.StoppedSummary(report) : null,
        [.. report.Cells.Take(ReportText.CellRows).Select(c => new CellJson(c.Cell, c.Label, c.IsBest, c.IsBaseline, c.Seeds, c.Completed, c.Diverged, c.Failed,
            E(c.Train), E(c.Validation), E(c.Test), E(c.Gap), N(c.Seconds.Mean)))],
        [.. report.Effects.Select(e => new EffectJson(e.Factor, e.Reference, e.Level, E(e.TrainDifference), E(e.ValidationDifference), e.Sentence))],
        [.. report.Gaps.Select(g => new GapJson(g.Factor, g.Level, E(g.Gap)))],
        report.Failures.Count,
        [.. report.Failures.Take(ReportText.FailureRows).Select(f => new FailureJson(f.Key, f.Node, f.Attempt, f.Error, f.TrialFailed))],
        [.. Plots.CurveCellsOf(report, curves).Select(c => new CurveJson(c.Cell, c.Label, Ns(curves[c.Cell].Train), Ns(curves[c.Cell].Validation)))],
        report.Search is { } search ? Search(search) : null);

    private static SearchJson Search(SearchSummary s)
    {
        var step = Math.Max(1, (s.Progress.Count + ProgressPoints - 1) / ProgressPoints);
        var progress = s.Progress.Where((_, i) => i % step == 0 || i == s.Progress.Count - 1).Select(p => new double?[] { p.Epochs, N(s.Measure.Show(p.Best)) }).ToList();
        // One row per trial for the parallel coordinates: its drawn values by parameter label.
        var rows = new Dictionary<string, (double Validation, Dictionary<string, string> Values)>(StringComparer.Ordinal);
        foreach (var p in s.Parameters)
            foreach (var point in p.Points)
            {
                if (!rows.TryGetValue(point.Key, out var row)) rows[point.Key] = row = (point.Validation, new Dictionary<string, string>(StringComparer.Ordinal));
                row.Values[p.Label] = point.Text;
            }
        return new SearchJson(s.Method,
            s.BestByMeasure is { } byMeasure ? new SearchBestJson(byMeasure.Key, N(byMeasure.Value))
                : s.Best is { } best ? new SearchBestJson(best.Key, N(100 * best.ValidationAccuracy)) : null,
            s.EpochsTrained, s.EpochsWithoutStopping, N(s.ComputeShare),
            [.. s.Rungs.Select(r => new RungJson(r.Rung, r.Epoch, r.Reached, r.Continued))],
            progress,
            [.. s.Parameters.Select(p => new ParameterJson(p.Label, p.Distribution.ToString(), p.LogScale, N(p.Importance)))],
            rows.Count,
            [.. rows.OrderByDescending(r => s.Measure.Maximize ? r.Value.Validation : -r.Value.Validation).ThenBy(r => r.Key, StringComparer.Ordinal).Take(SearchTrials)
                .Select(r => new SearchTrialJson(r.Key, N(s.Measure.Show(r.Value.Validation)), r.Value.Values))])
        {
            Measure = s.Measure.Label, Maximize = s.Measure.Maximize, Percent = s.Measure.Percent, ByTrials = s.ProgressByTrials,
            ProposalWaitSeconds = s.Proposals?.WaitSeconds, MeanProposalMs = s.Proposals is { } cost ? 1000 * cost.MeanProposalSeconds : null,
        };
    }

    private static EstimateJson E(Estimate e) => new(N(e.Mean), N(e.Sd), e.N, N(e.Low), N(e.High));

    /// <summary>A number as the report gives it: four decimals; null where there is none.</summary>
    private static double? N(double v) => double.IsFinite(v) ? Math.Round(v, 4) : null;

    private static List<double?> Ns(IEnumerable<double> values) => [.. values.Select(N)];
}

internal sealed record ReportJson(
    string Name, string Status, string StatusKind, string? Verdict, LectureJson? Lecture, int CellsTotal, string? StoppedCells,
    IReadOnlyList<CellJson> Cells, IReadOnlyList<EffectJson> Effects, IReadOnlyList<GapJson> Gaps, int FailuresTotal, IReadOnlyList<FailureJson> Failures,
    IReadOnlyList<CurveJson> Curves, SearchJson? Search);

internal sealed record EstimateJson(double? Mean, double? Sd, int N, double? Low, double? High);

internal sealed record LectureJson(string Adam, string Sgdm, int Pairs, EstimateJson AdamTrain, EstimateJson SgdmTrain, EstimateJson AdamValidation,
    EstimateJson SgdmValidation, EstimateJson TrainDifference, EstimateJson ValidationDifference);

internal sealed record CellJson(string Cell, string Label, bool Best, bool Baseline, int Seeds, int Completed, int Diverged, int Failed,
    EstimateJson Train, EstimateJson Validation, EstimateJson Test, EstimateJson Gap, double? Seconds);

internal sealed record EffectJson(string Factor, string Reference, string Level, EstimateJson Train, EstimateJson Validation, string Sentence);

internal sealed record GapJson(string Factor, string Level, EstimateJson Gap);

internal sealed record FailureJson(string Key, string Node, int Attempt, string Error, bool TrialFailed);

internal sealed record CurveJson(string Cell, string Label, IReadOnlyList<double?> Train, IReadOnlyList<double?> Validation);

internal sealed record SearchJson(string Method, SearchBestJson? Best, long EpochsTrained, long EpochsWithoutStopping, double? ComputeShare,
    IReadOnlyList<RungJson> Rungs, IReadOnlyList<double?[]> Progress, IReadOnlyList<ParameterJson> Parameters, int TrialsTotal, IReadOnlyList<SearchTrialJson> Trials)
{
    /// <summary>What the values measure ("validation accuracy", or the objective's metric), which way is better, and whether they are percentages.</summary>
    public string Measure { get; init; } = "validation accuracy";
    public bool Maximize { get; init; } = true;
    public bool Percent { get; init; } = true;

    /// <summary>The progress's first column counts trials (TPE), not epochs.</summary>
    public bool ByTrials { get; init; }

    /// <summary>TPE: slot-seconds waited for proposals, and the mean time of one (null otherwise).</summary>
    public double? ProposalWaitSeconds { get; init; }
    public double? MeanProposalMs { get; init; }
}

internal sealed record SearchBestJson(string Key, double? Validation);

internal sealed record RungJson(int Rung, int Epoch, int Reached, int Continued);

internal sealed record ParameterJson(string Label, string Distribution, bool Log, double? Importance);

internal sealed record SearchTrialJson(string Key, double? Validation, IReadOnlyDictionary<string, string> Values);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ReportJson))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
