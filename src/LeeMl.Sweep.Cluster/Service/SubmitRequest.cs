using System.Text.Json.Serialization;

namespace LeeMl.Sweep.Cluster.Service;

/// <summary>A job to launch: the spec as written, the name of its file (for messages), and the data files shipped with it.</summary>
public sealed record SubmitRequest(
    [property: JsonPropertyName("spec")] string SpecText,
    [property: JsonPropertyName("file")] string SpecFile,
    [property: JsonPropertyName("data")] IReadOnlyList<Experiments.Data.ShippedFile> Data)
{
    public const int MaxFiles = Experiments.Programs.ProgramFiles.MaxFiles;   // a program's files or a spec's data files
    public const int MaxPathLength = 4096;

    /// <summary>Null when every field is present and within its limits; else what is wrong, in one line.</summary>
    public string? Problem() => this switch
    {
        { SpecText: null } or { SpecFile: null } or { Data: null } => "the request is not a job: spec, file and data are required",
        { SpecFile.Length: > MaxPathLength } => $"the spec's file name is {SpecFile.Length} characters long; at most {MaxPathLength}",
        { Data.Count: > MaxFiles } => $"the job ships {Data.Count} data files; at most {MaxFiles}",
        _ when Data.Any(d => d is null || d.Path is null || d.Sha256 is not { Length: 64 } || !d.Sha256.All(char.IsAsciiHexDigit) || d.Size < 0 || d.Path.Length > MaxPathLength)
            => "a data file of the request has no path, a size below zero or a SHA-256 that is not 64 hex digits",
        _ => null,
    };
}

/// <summary>The job was accepted (its id and size), or refused with one line saying why.</summary>
public sealed record SubmitReply(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("trials")] long Trials,
    [property: JsonPropertyName("error")] string? Error);
