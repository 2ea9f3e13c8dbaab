using System.Text.Json.Serialization;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Server.Api;

/// <summary>Every error of the API: one line saying what was wrong.</summary>
public sealed record ApiError([property: JsonPropertyName("error")] string Error);

/// <summary>The answer to a cancel: cancelled, or already over.</summary>
public sealed record CancelAnswer(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("outcome"), JsonConverter(typeof(LowerCaseEnumConverter<CancelOutcome>))] CancelOutcome Outcome);

/// <summary>A change of a job that was made: what happened.</summary>
public sealed record ChangeAnswer(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("message")] string Message);

/// <summary>The body of a request to extend a job (<c>spec</c>: the larger spec's text; <c>file</c>: its name, for messages) or to retry (<c>reason</c>).</summary>
public sealed record ChangeRequest(
    [property: JsonPropertyName("spec")] string? Spec,
    [property: JsonPropertyName("file")] string? File,
    [property: JsonPropertyName("reason")] string? Reason);

[JsonSerializable(typeof(ChangeAnswer))]
[JsonSerializable(typeof(ChangeRequest))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(CancelAnswer))]
[JsonSerializable(typeof(IReadOnlyList<NodeView>))]
[JsonSerializable(typeof(RevokeRequest))]
[JsonSerializable(typeof(RevokedToken))]
[JsonSerializable(typeof(List<RevokedToken>))]
public sealed partial class ApiJson : JsonSerializerContext;
