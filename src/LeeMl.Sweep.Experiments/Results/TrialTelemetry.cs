using System.Text.Json.Serialization;

namespace LeeMl.Sweep.Experiments.Results;

/// <summary>
/// Where and how long a trial ran, and the attempts that hit a node fault before it: kept apart
/// from <see cref="TrialResult"/> so that results.jsonl stays byte-identical wherever trials ran
/// and however often they were retried. One line of telemetry.jsonl.
/// </summary>
public sealed record TrialTelemetry(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("faults")] IReadOnlyList<NodeFault> Faults);

/// <summary>An attempt that failed for a reason of the node, not of the trial; it was retried elsewhere.</summary>
public sealed record NodeFault(
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("error")] string Error);
