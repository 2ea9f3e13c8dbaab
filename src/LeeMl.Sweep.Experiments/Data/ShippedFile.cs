using System.Text.Json.Serialization;

namespace LeeMl.Sweep.Experiments.Data;

/// <summary>
/// A data file a spec names (its <c>csv</c> or <c>test</c> path, as written), shipped with the
/// job: its bytes go to the cluster's store, addressed by their SHA-256, and workers read them by
/// hash alone — never by the path.
/// </summary>
public sealed record ShippedFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("size")] long Size);

/// <summary>A job's data manifest (the files shipped with it) as stored and sent to workers.</summary>
[JsonSerializable(typeof(IReadOnlyList<ShippedFile>))]
public sealed partial class ShippedFileJson : JsonSerializerContext;
