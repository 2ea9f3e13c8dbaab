using System.Text.Json;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Reporting.Rendering;

/// <summary>
/// report.json: what report.md and report.html show, as data — the verdict, the best cells with
/// their 95 % intervals, factor effects and gaps, failures, the mean learning curves of the best
/// cells and the search — for the dashboard and for scripts. Bounded like the other reports
/// (the best cells and failures only), so its size does not grow with the job. Accuracies and
/// differences are in percent (points); a value that does not exist is null.
/// </summary>
public static class JsonReport
{
    /// <summary>At most this many trials in the search's parallel coordinates: the best by validation accuracy.</summary>
    public const int SearchTrials = 2000;

    /// <summary>At most this many points of the best-so-far curve (evenly thinned).</summary>
    public const int ProgressPoints = 500;

    public static byte[] Render(SweepReport report, IReadOnlyDictionary<string, MeanCurve> curves)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("name", report.Name);
            w.WriteString("status", ReportText.Status(report.Progress, report.Results));
            w.WriteString("status_kind", ReportText.StatusKind(report));
            if (report.Lecture is { } lecture)
            {
                w.WriteString("verdict", lecture.Sentence);
                w.WriteStartObject("lecture");
                w.WriteString("adam", lecture.Adam);
                w.WriteString("sgdm", lecture.Sgdm);
                w.WriteNumber("pairs", lecture.Pairs);
                Estimate(w, "adam_train", lecture.AdamTrain);
                Estimate(w, "sgdm_train", lecture.SgdmTrain);
                Estimate(w, "adam_validation", lecture.AdamValidation);
                Estimate(w, "sgdm_validation", lecture.SgdmValidation);
                Estimate(w, "train_difference", lecture.TrainDifference);
                Estimate(w, "validation_difference", lecture.ValidationDifference);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("verdict");
                w.WriteNull("lecture");
            }
            w.WriteNumber("cells_total", report.Cells.Count);
            if (report.Stopped.Count > 0) w.WriteString("stopped_cells", ReportText.StoppedSummary(report));
            else w.WriteNull("stopped_cells");
            w.WriteStartArray("cells");
            foreach (var c in report.Cells.Take(ReportText.CellRows))
            {
                w.WriteStartObject();
                w.WriteString("cell", c.Cell);
                w.WriteString("label", c.Label);
                w.WriteBoolean("best", c.IsBest);
                w.WriteBoolean("baseline", c.IsBaseline);
                w.WriteNumber("seeds", c.Seeds);
                w.WriteNumber("completed", c.Completed);
                w.WriteNumber("diverged", c.Diverged);
                w.WriteNumber("failed", c.Failed);
                Estimate(w, "train", c.Train);
                Estimate(w, "validation", c.Validation);
                Estimate(w, "test", c.Test);
                Estimate(w, "gap", c.Gap);
                Number(w, "seconds", c.Seconds.Mean);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("effects");
            foreach (var e in report.Effects)
            {
                w.WriteStartObject();
                w.WriteString("factor", e.Factor);
                w.WriteString("reference", e.Reference);
                w.WriteString("level", e.Level);
                Estimate(w, "train", e.TrainDifference);
                Estimate(w, "validation", e.ValidationDifference);
                w.WriteString("sentence", e.Sentence);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("gaps");
            foreach (var g in report.Gaps)
            {
                w.WriteStartObject();
                w.WriteString("factor", g.Factor);
                w.WriteString("level", g.Level);
                Estimate(w, "gap", g.Gap);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("failures_total", report.Failures.Count);
            w.WriteStartArray("failures");
            foreach (var f in report.Failures.Take(ReportText.FailureRows))
            {
                w.WriteStartObject();
                w.WriteString("key", f.Key);
                w.WriteString("node", f.Node);
                w.WriteNumber("attempt", f.Attempt);
                w.WriteString("error", f.Error);
                w.WriteBoolean("trial_failed", f.TrialFailed);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("curves");
            foreach (var c in Plots.CurveCellsOf(report, curves))
            {
                w.WriteStartObject();
                w.WriteString("cell", c.Cell);
                w.WriteString("label", c.Label);
                Numbers(w, "train", curves[c.Cell].Train);
                Numbers(w, "validation", curves[c.Cell].Validation);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (report.Search is { } search) Search(w, search);
            else w.WriteNull("search");
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void Search(Utf8JsonWriter w, SearchSummary s)
    {
        w.WriteStartObject("search");
        w.WriteString("method", s.Method);
        if (s.Best is { } best)
        {
            w.WriteStartObject("best");
            w.WriteString("key", best.Key);
            Number(w, "validation", 100 * best.ValidationAccuracy);
            w.WriteEndObject();
        }
        else w.WriteNull("best");
        w.WriteNumber("epochs_trained", s.EpochsTrained);
        w.WriteNumber("epochs_without_stopping", s.EpochsWithoutStopping);
        Number(w, "compute_share", s.ComputeShare);
        w.WriteStartArray("rungs");
        foreach (var r in s.Rungs)
        {
            w.WriteStartObject();
            w.WriteNumber("rung", r.Rung);
            w.WriteNumber("epoch", r.Epoch);
            w.WriteNumber("reached", r.Reached);
            w.WriteNumber("continued", r.Continued);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("progress");
        var step = Math.Max(1, (s.Progress.Count + ProgressPoints - 1) / ProgressPoints);
        for (var i = 0; i < s.Progress.Count; i++)
        {
            if (i % step != 0 && i != s.Progress.Count - 1) continue;
            w.WriteStartArray();
            w.WriteNumberValue(s.Progress[i].Epochs);
            NumberValue(w, 100 * s.Progress[i].Best);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteStartArray("parameters");
        foreach (var p in s.Parameters)
        {
            w.WriteStartObject();
            w.WriteString("label", p.Label);
            w.WriteString("distribution", p.Distribution.ToString());
            w.WriteBoolean("log", p.LogScale);
            Number(w, "importance", p.Importance);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        // One row per trial for the parallel coordinates: its drawn values by parameter label.
        var rows = new Dictionary<string, (double Validation, Dictionary<string, string> Values)>(StringComparer.Ordinal);
        foreach (var p in s.Parameters)
            foreach (var point in p.Points)
            {
                if (!rows.TryGetValue(point.Key, out var row)) rows[point.Key] = row = (point.Validation, new Dictionary<string, string>(StringComparer.Ordinal));
                row.Values[p.Label] = point.Text;
            }
        w.WriteNumber("trials_total", rows.Count);
        w.WriteStartArray("trials");
        foreach (var (key, row) in rows.OrderByDescending(r => r.Value.Validation).ThenBy(r => r.Key, StringComparer.Ordinal).Take(SearchTrials))
        {
            w.WriteStartObject();
            w.WriteString("key", key);
            Number(w, "validation", 100 * row.Validation);
            w.WriteStartObject("values");
            foreach (var (label, text) in row.Values) w.WriteString(label, text);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Estimate(Utf8JsonWriter w, string name, Estimate e)
    {
        w.WriteStartObject(name);
        Number(w, "mean", e.Mean);
        Number(w, "sd", e.Sd);
        w.WriteNumber("n", e.N);
        Number(w, "low", e.Low);
        Number(w, "high", e.High);
        w.WriteEndObject();
    }

    private static void Numbers(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) NumberValue(w, v);
        w.WriteEndArray();
    }

    private static void Number(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, Math.Round(v, 4));
        else w.WriteNull(name);
    }

    private static void NumberValue(Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v)) w.WriteNumberValue(Math.Round(v, 4));
        else w.WriteNullValue();
    }
}
