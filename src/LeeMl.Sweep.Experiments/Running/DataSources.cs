using LeeMl.Sweep.Experiments.Data;
using LeeMl.Sweep.Learning.Data;

namespace LeeMl.Sweep.Experiments.Running;

/// <summary>
/// Where a loader reads a spec's data: the named datasets' folder, and how a CSV path the spec
/// names becomes bytes. Locally (fit, plan, the submitting client) that is the file itself; on a
/// worker it is the copy shipped with the job, by hash — a worker never opens a path from a spec.
/// </summary>
public sealed record DataSources(DataFolder Named, Func<string, DataFile> Csv)
{
    /// <summary>The paths of the files shipped with the job (data and a program's files), each readable through <see cref="Csv"/>.</summary>
    public IReadOnlyList<string> Shipped { get; init; } = [];

    /// <summary>The files on this machine, for the user's own commands: a relative path is read from <paramref name="specFolder"/> (the spec's own folder; null: the current one).</summary>
    public static DataSources Local(string? dataDirectory, string? specFolder = null) =>
        new(DataFolder.Of(dataDirectory), path => DataFile.FromPath(SpecFiles.Resolve(path, specFolder)));
}
