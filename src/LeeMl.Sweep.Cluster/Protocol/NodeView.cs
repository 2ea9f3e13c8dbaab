using System.Text.Json.Serialization;

namespace LeeMl.Sweep.Cluster.Protocol;

/// <summary>A cluster member: its address, roles, and (for workers) slots and the trials it runs and holds queued.</summary>
public sealed record NodeView(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("roles")] IReadOnlyList<string> Roles,
    [property: JsonPropertyName("slots")] int Slots,
    [property: JsonPropertyName("running")] int Running,
    [property: JsonPropertyName("queued")] int Queued)
{
    /// <summary>Trials paused at a rung, waiting for early stopping's decision (their slots train other work).</summary>
    [JsonPropertyName("paused")]
    public int Paused { get; init; }

    /// <summary>Slot time spent idle since the node started, while trials waited at rungs and nothing else was there to train.</summary>
    [JsonPropertyName("idle_waiting_seconds")]
    public double IdleWaitingSeconds { get; init; }

    /// <summary>Whether the worker runs program trials (<c>--allow-programs</c>).</summary>
    [JsonPropertyName("programs")]
    public bool Programs { get; init; }

    /// <summary>The GPUs the worker gives to trials.</summary>
    [JsonPropertyName("gpus")]
    public int Gpus { get; init; }
}

/// <summary>What <c>status --json</c> prints and <c>/api/jobs</c> answers.</summary>
public sealed record ClusterStatus(
    [property: JsonPropertyName("jobs")] IReadOnlyList<JobView> Jobs,
    [property: JsonPropertyName("nodes")] IReadOnlyList<NodeView> Nodes);
