using System.Text.Json.Serialization;

namespace LeeMl.Sweep.Cluster.Service;

/// <summary>A job to launch: the spec as written, the name of its file (for messages), and the data files shipped with it.</summary>
public sealed record SubmitRequest(
    [property: JsonPropertyName("spec")] string SpecText,
    [property: JsonPropertyName("file")] string SpecFile,
    [property: JsonPropertyName("data")] IReadOnlyList<Experiments.Data.ShippedFile> Data);

/// <summary>The job was accepted (its id and size), or refused with one line saying why.</summary>
public sealed record SubmitReply(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("trials")] long Trials,
    [property: JsonPropertyName("error")] string? Error);
