using System.Globalization;

namespace LeeMl.Sweep.Experiments.Jobs;

/// <summary>
/// Job ids: made by the coordinator that accepts a job (the spec's name, the time, a random
/// suffix), never chosen by a client, and safe as a folder name on every node.
/// </summary>
public static class JobIds
{
    public const int MaxLength = 100;

    public static string New(string specName, DateTime utcNow) =>
        $"{specName}-{utcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Random.Shared.Next(0x10000):x4}";

    /// <summary>Letters, digits, '-', '_' and '.', not starting with '.', at most <see cref="MaxLength"/> characters.</summary>
    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= MaxLength } && id[0] != '.' && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
