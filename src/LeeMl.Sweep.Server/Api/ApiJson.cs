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

[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(CancelAnswer))]
[JsonSerializable(typeof(IReadOnlyList<NodeView>))]
[JsonSerializable(typeof(RevokeRequest))]
[JsonSerializable(typeof(RevokedToken))]
[JsonSerializable(typeof(List<RevokedToken>))]
public sealed partial class ApiJson : JsonSerializerContext;
