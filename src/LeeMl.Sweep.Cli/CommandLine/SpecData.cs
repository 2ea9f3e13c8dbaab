using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Experiments.Data;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>
/// A spec's data on the machine that submits it: checked before anything is sent, then shipped to
/// the cluster's store. A relative path in the spec is read from the spec's own folder (the current
/// folder for the built-in spec); it travels as written, and workers find its bytes by hash.
/// </summary>
public sealed record SpecData(IReadOnlyList<ShippedFile> Files, string? SpecFolder)
{
    /// <summary>Loads the data as the workers will (so a missing or malformed file is bad input here) and hashes the files the spec names.</summary>
    public static SpecData Check(SweepSpec spec, string? dataDir, string? specFile)
    {
        var folder = specFile is null ? null : Path.GetDirectoryName(Path.GetFullPath(specFile));
        if (!spec.HasParameterCells) new DataLoader(dataDir, folder).Source(spec.Data);
        return new SpecData(SpecFiles.Hash(spec, folder), folder);
    }

    public async Task Ship(ISweepApi api, CancellationToken cancel = default)
    {
        foreach (var f in Files) await api.ShipData(f, () => File.OpenRead(SpecFiles.Resolve(f.Path, SpecFolder)), cancel);
    }
}
