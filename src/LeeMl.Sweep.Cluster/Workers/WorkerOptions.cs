using LeeMl.Sweep.Cluster.Data;
using LeeMl.Sweep.Experiments.Data;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Trials;
using LeeMl.Sweep.Learning.Data;

namespace LeeMl.Sweep.Cluster.Workers;

/// <summary>How a worker node trains: its name, slots, where named datasets and shipped data come from, and how it reads data.</summary>
public sealed record WorkerOptions(string Node, int Slots, string? DataDirectory)
{
    /// <summary>Every trial runs as this kind instead of the kind its spec names (benchmarks and tests that stand in for training).</summary>
    public ITrialKind? Kind { get; init; }

    /// <summary>The node's parsed specs (a job's spec is parsed once on a node, whoever asks first).</summary>
    public Experiments.Specs.SpecCache Specs { get; init; } = new();

    /// <summary>The logging category of the trial log (assigned, start, done, fault, leaving:), at information level.</summary>
    public const string TrialLogCategory = "LeeMl.Sweep.Trials";

    /// <summary>Where the trial log goes (a logger of <see cref="TrialLogCategory"/>; the node's hosting sets it).</summary>
    public Microsoft.Extensions.Logging.ILogger TrialLog { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public BlobCache Cache { get; init; } = new(BlobCache.DefaultDirectory, BlobCache.DefaultMaxBytes);

    /// <summary>Set when the node has joined: it fetches from the coordinators' blob servers.</summary>
    public BlobFetcher? Fetcher { get; init; }

    /// <summary>
    /// A job's data on this worker: named datasets from the data folder (or built in), and the
    /// spec's CSV files from the copies shipped with the job, by hash. A path the manifest does
    /// not list is refused: a spec that came over the network never makes a worker open a path.
    /// </summary>
    public DataSources SourcesFor(IReadOnlyList<ShippedFile> manifest) => new(DataFolder.Of(DataDirectory), path =>
    {
        var shipped = manifest.FirstOrDefault(f => f.Path == path)
            ?? throw new DataException($"{path}: not shipped with the job (a worker reads only the data files shipped with it)");
        var fetcher = Fetcher ?? throw new IOException("this node cannot fetch shipped data (it has not joined a cluster)");
        return new DataFile($"{path} (shipped, SHA-256 {shipped.Sha256[..12]}…)", () =>
            File.OpenRead(Cache.Get(shipped.Sha256, shipped.Size, stream => fetcher.Fetch(shipped.Sha256, stream))));
    }) { Shipped = [.. manifest.Select(f => f.Path)] };

    /// <summary>Set when the node runs program trials (<c>--allow-programs</c>); null: it refuses them.</summary>
    public Experiments.Programs.ProgramHost? Programs { get; init; }

    /// <summary>The GPUs this node gives to trials, one trial per device at a time (<c>--gpus</c>).</summary>
    public IReadOnlyList<int> Gpus { get; init; } = [];
}
