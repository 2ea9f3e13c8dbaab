using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Experiments.Data;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>A spec's data on the machine that submits it: checked before anything is sent, then shipped to the cluster's store.</summary>
public static class SpecData
{
    /// <summary>Loads the data as the workers will (so a missing or malformed file is bad input here) and hashes the files the spec names.</summary>
    public static IReadOnlyList<ShippedFile> Check(SweepSpec spec, string? dataDir)
    {
        new DataLoader(dataDir).Source(spec.Data);
        return SpecFiles.Hash(spec.Data);
    }

    public static async Task Ship(ISweepApi api, IReadOnlyList<ShippedFile> files, CancellationToken cancel = default)
    {
        foreach (var f in files) await api.ShipData(f, () => File.OpenRead(f.Path), cancel);
    }
}
