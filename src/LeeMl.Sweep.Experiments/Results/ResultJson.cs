using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeeMl.Sweep.Experiments.Results;

/// <summary>
/// The canonical text of results (System.Text.Json source generation): fields in declaration
/// order, numbers in shortest round-trip form, NaN as null, the outcome in lower case, text with
/// only the escapes JSON needs. A result is stored as its summary (the line with no epochs) and
/// its epochs in chunks; <see cref="Compose"/> puts them back into the same line.
/// </summary>
public static class ResultJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new FiniteOrNullConverter(), new LowerCaseEnumConverter<TrialOutcome>() },
    };

    private static readonly ResultJsonContext Context = new(Options);

    private const string NoEpochs = "\"epochs\":[]}";

    public static string Line(TrialResult r) => JsonSerializer.Serialize(r, Context.TrialResult);

    public static TrialResult Parse(string line) =>
        JsonSerializer.Deserialize(line, Context.TrialResult) ?? throw new JsonException("an empty result line");

    /// <summary>The line without its epochs (they are stored apart, in chunks).</summary>
    public static string Summary(TrialResult r) => Line(r with { Epochs = [] });

    /// <summary>Epochs as stored in one chunk: the JSON objects of the line's epochs array, comma-separated.</summary>
    public static string Chunk(IReadOnlyList<EpochResult> epochs)
    {
        if (epochs.Count == 0) return "";
        var array = JsonSerializer.Serialize(epochs, Context.IReadOnlyListEpochResult);
        return array[1..^1];
    }

    /// <summary>A summary and its chunks (in order) as the full results.jsonl line.</summary>
    public static string Compose(string summary, IEnumerable<string> chunks)
    {
        if (!summary.EndsWith(NoEpochs, StringComparison.Ordinal)) throw new FormatException("a stored summary must end with an empty epochs array");
        var sb = new StringBuilder(summary, 0, summary.Length - 2, summary.Length + 256);
        var first = true;
        foreach (var c in chunks)
        {
            if (c.Length == 0) continue;
            if (!first) sb.Append(',');
            sb.Append(c);
            first = false;
        }
        return sb.Append("]}").ToString();
    }

    public static List<EpochResult> ParseChunk(string chunk) =>
        chunk.Length == 0 ? [] : [.. JsonSerializer.Deserialize("[" + chunk + "]", Context.IReadOnlyListEpochResult) ?? []];

    public static string Telemetry(TrialTelemetry t) => JsonSerializer.Serialize(t, Context.TrialTelemetry);

    public static TrialTelemetry ParseTelemetry(string line) =>
        JsonSerializer.Deserialize(line, Context.TrialTelemetry) ?? throw new JsonException("an empty telemetry line");
}

[JsonSerializable(typeof(TrialResult))]
[JsonSerializable(typeof(TrialTelemetry))]
[JsonSerializable(typeof(IReadOnlyList<EpochResult>))]
internal sealed partial class ResultJsonContext : JsonSerializerContext;
