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

/// <summary>Who the caller is to this node: an operator may change jobs (submit, cancel, pause, resume, retry, extend), a viewer only reads.</summary>
public sealed record SessionAnswer([property: JsonPropertyName("operator")] bool Operator);

/// <summary>Jobs side by side (<c>GET /api/compare</c>): accuracies in %, differences in points.</summary>
public sealed record CompareAnswer(
    [property: JsonPropertyName("jobs")] IReadOnlyList<CompareJob> Jobs,
    [property: JsonPropertyName("common")] IReadOnlyList<CompareCell> Common);

public sealed record CompareJob(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("done")] int Done,
    [property: JsonPropertyName("trials")] int Trials,
    [property: JsonPropertyName("best_cell")] string? BestCell,
    [property: JsonPropertyName("best_validation"), JsonConverter(typeof(FiniteOrNullConverter))] double BestValidation,
    [property: JsonPropertyName("lecture")] CompareLecture? Lecture)
{
    /// <summary>Where the job searched and measured what the others that searched did: its best value so far after each trial (in % for accuracies).</summary>
    [JsonPropertyName("search")]
    public CompareSearch? Search { get; init; }
}

public sealed record CompareSearch(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("measure")] string Measure,
    [property: JsonPropertyName("best_by_trial")] IReadOnlyList<double?> BestByTrial);

public sealed record CompareLecture(
    [property: JsonPropertyName("pairs")] int Pairs,
    [property: JsonPropertyName("train_difference"), JsonConverter(typeof(FiniteOrNullConverter))] double TrainDifference,
    [property: JsonPropertyName("validation_difference"), JsonConverter(typeof(FiniteOrNullConverter))] double ValidationDifference,
    [property: JsonPropertyName("sentence")] string Sentence);

public sealed record CompareCell(
    [property: JsonPropertyName("cell")] string Cell,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("per_job")] IReadOnlyList<CompareCellOfJob> PerJob);

public sealed record CompareCellOfJob(
    [property: JsonPropertyName("train"), JsonConverter(typeof(FiniteOrNullConverter))] double Train,
    [property: JsonPropertyName("validation"), JsonConverter(typeof(FiniteOrNullConverter))] double Validation,
    [property: JsonPropertyName("gap"), JsonConverter(typeof(FiniteOrNullConverter))] double Gap,
    [property: JsonPropertyName("seeds")] int Seeds);

[JsonSerializable(typeof(SessionAnswer))]
[JsonSerializable(typeof(CompareAnswer))]
[JsonSerializable(typeof(ChangeAnswer))]
[JsonSerializable(typeof(ChangeRequest))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(CancelAnswer))]
[JsonSerializable(typeof(IReadOnlyList<NodeView>))]
[JsonSerializable(typeof(RevokeRequest))]
[JsonSerializable(typeof(RevokedToken))]
[JsonSerializable(typeof(List<RevokedToken>))]
public sealed partial class ApiJson : JsonSerializerContext;
