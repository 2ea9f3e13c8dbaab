using System.Text.Json.Serialization;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Protocol;

/// <summary>
/// One job as clients see it (status, status --json, the HTTP API, the dashboard). Counts are of
/// committed results; <see cref="Running"/> and <see cref="Queued"/> are trials on workers now;
/// <see cref="Coordinator"/> is the host:port of the node whose entity runs the job.
/// </summary>
public sealed record JobView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("state"), JsonConverter(typeof(LowerCaseEnumConverter<JobState>))] JobState State,
    [property: JsonPropertyName("trials")] long Trials,
    [property: JsonPropertyName("done")] long Done,
    [property: JsonPropertyName("failed")] long Failed,
    [property: JsonPropertyName("running")] long Running,
    [property: JsonPropertyName("coordinator")] string? Coordinator,
    [property: JsonPropertyName("queued")] long Queued,
    [property: JsonPropertyName("diverged")] long Diverged,
    [property: JsonPropertyName("stopped")] long Stopped,
    [property: JsonPropertyName("best_validation"), JsonConverter(typeof(FiniteOrNullConverter))] double BestValidation,
    [property: JsonPropertyName("elapsed_seconds")] double ElapsedSeconds,
    [property: JsonPropertyName("eta_seconds")] double? EtaSeconds,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("quarantined")] IReadOnlyList<QuarantinedNode> Quarantined,
    [property: JsonPropertyName("errors")] IReadOnlyList<ErrorCount> Errors) : Protocol.ISweepMessage
{
    /// <summary>A TPE search: slot-seconds that free slots waited for a proposal (the results it learns from); absent for other searches.</summary>
    [JsonPropertyName("proposal_wait_seconds"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ProposalWaitSeconds { get; init; }

    /// <summary>What operators did to the job after submit (paused, resumed, extended, retried), oldest first; given for one job, absent in lists.</summary>
    [JsonPropertyName("history"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<JobHistoryEntry>? History { get; init; }

    /// <summary>A job as the store alone knows it (no coordinator runs it now, or it did not answer).</summary>
    public static JobView FromStore(StoredJob j, DateTimeOffset now, IReadOnlyList<ErrorCount>? errors = null) => new(
        j.Id, j.Name, j.State, j.Trials, j.Counts.Done, j.Counts.Failed, 0, j.OwnerNode, 0,
        j.Counts.Diverged, j.Counts.Stopped, j.Counts.BestValidation,
        j.Started is { } s ? ((j.Finished ?? now) - s).TotalSeconds : 0, null, j.Created, [], errors ?? []);
}

/// <summary>A node that gets no more trials of a job for a while: its last attempts failed for reasons of the node.</summary>
public sealed record QuarantinedNode(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("until")] DateTimeOffset Until);

/// <summary>One thing an operator did to a job, and when.</summary>
public sealed record JobHistoryEntry(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("what")] string What);

/// <summary>An error message and how many trials or attempts ended with it.</summary>
public sealed record ErrorCount(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("count")] long Count);
