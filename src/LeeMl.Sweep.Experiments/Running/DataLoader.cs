using System.Collections.Concurrent;
using System.Globalization;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Learning.Data;

namespace LeeMl.Sweep.Experiments.Running;

/// <summary>
/// Loads one job's data once and hands every trial the same read-only datasets: the
/// training/test parts of the source, and the validation split for each split seed. A failure is
/// not kept: the next trial tries again (a file fixed meanwhile, a fetch that works now).
/// </summary>
public sealed class DataLoader(DataSources sources)
{
    private readonly ConcurrentDictionary<string, Lazy<DataSplit>> _sources = new();
    private readonly ConcurrentDictionary<string, Lazy<DataSplit>> _splits = new();

    public DataLoader(string? dataDirectory) : this(DataSources.Local(dataDirectory)) { }

    public DataSplit Source(DataSpec spec) => Cached(_sources, spec.ToString(), () => Load(spec, sources));

    /// <summary>Train, validation (carved from training rows, stratified) and test for one split seed.</summary>
    public DataSplit ForTrial(DataSpec spec, double validation, ulong splitSeed) =>
        Cached(_splits, $"{spec}|{validation.ToString("R", CultureInfo.InvariantCulture)}|{splitSeed}", () =>
        {
            var source = Source(spec);
            if (validation <= 0) return source;
            var (train, val) = Splits.Stratified(source.Train, validation, splitSeed);
            return new DataSplit(train, val, source.Test);
        });

    /// <summary>Computed once by whichever trial asks first; a computation that threw is forgotten.</summary>
    private static DataSplit Cached(ConcurrentDictionary<string, Lazy<DataSplit>> cache, string key, Func<DataSplit> make)
    {
        var lazy = cache.GetOrAdd(key, _ => new Lazy<DataSplit>(make));
        try
        {
            return lazy.Value;
        }
        catch
        {
            cache.TryRemove(KeyValuePair.Create(key, lazy));
            throw;
        }
    }

    public static DataSplit Load(DataSpec spec, string? dataDirectory) => Load(spec, DataSources.Local(dataDirectory));

    public static DataSplit Load(DataSpec spec, DataSources sources)
    {
        int Int(string key, int fallback) => int.Parse(spec.Get(key, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        double Double(string key, double fallback) => double.Parse(spec.Get(key, fallback.ToString("R", CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var features = spec.Settings.TryGetValue("features", out var f) && spec.Source is not ("blobs" or "moons") ? f.Split(',') : null;
        var testFraction = Double("test_fraction", 0.2);   // share held out as test where the source has no test part
        switch (spec.Source)
        {
            case "blobs" or "moons":
            {
                var seed = (ulong)Int("seed", 1);
                var all = spec.Source == "blobs"
                    ? Synthetic.Blobs(Int("samples", 2000), Int("features", 8), Int("classes", 2), Double("separation", 2), Double("label_noise", 0.05), seed)
                    : Synthetic.Moons(Int("samples", 2000), Int("features", 2), Double("noise", 0.2), seed);
                var (train, test) = Splits.Stratified(all, testFraction, seed);
                return new DataSplit(train, null, test);
            }
            case "csv":
            {
                var path = spec.Get("path", "");
                var table = Table.ReadWithHeader(sources.Csv(path));
                var encoder = TableEncoder.Fit(table, spec.Get("label", ""), features);
                if (spec.Settings.TryGetValue("test", out var testPath))
                {
                    var testTable = Table.ReadWithHeader(sources.Csv(testPath));
                    if (!testTable.Header.SequenceEqual(table.Header))
                        throw new DataException($"{testPath}: its columns differ from {path}'s");
                    return new DataSplit(encoder.Encode(table), null, encoder.Encode(testTable));
                }
                var (train, test) = Splits.Stratified(encoder.Encode(table), testFraction, (ulong)Int("split_seed", 0));
                return new DataSplit(train, null, test);
            }
            default:
                return NamedDatasets.Load(spec.Source, sources.Named, features, (ulong)Int("split_seed", 0));
        }
    }
}
