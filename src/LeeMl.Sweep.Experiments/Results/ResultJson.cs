using System.Buffers;
using System.Text;
using System.Text.Json;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Experiments.Results;

/// <summary>
/// The canonical text of results: one JSON object per trial, fields in a fixed order, numbers in
/// shortest round-trip form, NaN as null, no timings and no host names. The same trial gives the
/// same bytes wherever it ran. Telemetry (time, node) is a separate line kind.
/// </summary>
public static class ResultJson
{
    // Readable text (' and + unescaped): the file is data, never embedded in a page.
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Line(TrialResult r)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            var t = r.Trial;
            w.WriteStartObject();
            w.WriteString("key", t.Key);
            w.WriteString("model", t.Model.ToString());
            Text(w, "optimizer", t.Optimizer);
            Text(w, "schedule", t.Schedule);
            Text(w, "warmup", t.Warmup);
            Text(w, "noise", t.Noise);
            w.WriteNumber("seed", t.Seed);
            w.WriteString("outcome", r.Outcome.ToString().ToLowerInvariant());
            if (r.DivergedEpoch is { } d) w.WriteNumber("diverged_epoch", d); else w.WriteNull("diverged_epoch");
            if (r.Error is { } e) w.WriteString("error", e); else w.WriteNull("error");
            Number(w, "train_accuracy", r.TrainAccuracy);
            Number(w, "validation_accuracy", r.ValidationAccuracy);
            Number(w, "test_accuracy", r.TestAccuracy);
            Number(w, "train_loss", r.TrainLoss);
            Number(w, "validation_loss", r.ValidationLoss);
            if (r.BestEpoch is { } b) w.WriteNumber("best_epoch", b); else w.WriteNull("best_epoch");
            w.WriteStartArray("epochs");
            foreach (var m in r.Curve)
            {
                w.WriteStartObject();
                w.WriteNumber("epoch", m.Epoch);
                w.WriteNumber("step", m.Step);
                Number(w, "lr", m.LearningRate);
                Number(w, "train_loss", m.TrainLoss);
                Number(w, "train_accuracy", m.TrainAccuracy);
                Number(w, "validation_loss", m.ValidationLoss);
                Number(w, "validation_accuracy", m.ValidationAccuracy);
                Number(w, "gradient_norm", m.GradientNorm);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Time and place of a trial: kept apart so results.jsonl stays byte-identical.</summary>
    public static string Telemetry(string key, string node, double seconds)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("key", key);
            w.WriteString("node", node);
            w.WriteNumber("seconds", Math.Round(seconds, 4));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Text(Utf8JsonWriter w, string name, ComponentSpec? c)
    {
        if (c is null) w.WriteNull(name); else w.WriteString(name, c.ToString());
    }

    private static void Number(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    /// <summary>results.jsonl: every line sorted by trial key (ordinal), one trailing newline each.</summary>
    public static string File(IEnumerable<(string Key, string Line)> results) =>
        string.Concat(results.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Line + "\n"));
}
