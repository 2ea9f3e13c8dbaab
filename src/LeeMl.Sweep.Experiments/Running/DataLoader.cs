using System.Globalization;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Learning.Data;

namespace LeeMl.Sweep.Experiments.Running;

/// <summary>
/// Loads one job's data once and hands every trial the same read-only datasets: the
/// training/test parts of the source, and the validation split for each split seed. The splits
/// are a bounded cache (<see cref="SplitBytes"/>, least recently used out first): a job of a
/// thousand seeds does not hold a thousand copies of its data. A failure is not kept: the next
/// trial tries again (a file fixed meanwhile, a fetch that works now).
/// </summary>
public sealed class DataLoader(DataSources sources, long splitBytes = DataLoader.SplitBytes)
{
    /// <summary>How much the validation splits of one job may hold at once; a split beyond it is carved again when asked for.</summary>
    public const long SplitBytes = 256L << 20;

    private readonly object _gate = new();
    private Lazy<DataSplit>? _source;
    private string? _sourceKey;
    private readonly Dictionary<string, (Lazy<DataSplit> Split, LinkedListNode<string> Use)> _splits = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _uses = new();   // least recently used first
    private long _splitBytes;

    public DataLoader(string? dataDirectory, string? specFolder = null) : this(DataSources.Local(dataDirectory, specFolder)) { }

    /// <summary>The paths of the files shipped with the job.</summary>
    public IReadOnlyList<string> ShippedPaths => sources.Shipped;

    /// <summary>A shipped file's bytes (a program's file, laid out in its trial's folder).</summary>
    public Stream OpenShipped(string path) => sources.Csv(path).Open();

    public DataSplit Source(DataSpec spec)
    {
        Lazy<DataSplit> lazy;
        lock (_gate)
        {
            if (_source is null || _sourceKey != spec.ToString()) (_source, _sourceKey) = (new Lazy<DataSplit>(() => Load(spec, sources)), spec.ToString());
            lazy = _source;
        }
        try
        {
            return lazy.Value;
        }
        catch (Exception e) when (e is not DataException { OverLimit: true })
        {
            // Tried again next time (a fetch that failed may succeed); a file over a limit stays refused without being read again.
            lock (_gate) if (ReferenceEquals(_source, lazy)) _source = null;
            throw;
        }
    }

    /// <summary>Train, validation (carved from training rows, stratified) and test for one split seed.</summary>
    public DataSplit ForTrial(DataSpec spec, double validation, ulong splitSeed)
    {
        if (validation <= 0) return Source(spec);
        var key = $"{spec}|{validation.ToString("R", CultureInfo.InvariantCulture)}|{splitSeed}";
        Lazy<DataSplit> lazy;
        lock (_gate)
        {
            if (_splits.TryGetValue(key, out var hit))
            {
                _uses.Remove(hit.Use);
                _uses.AddLast(hit.Use);
                lazy = hit.Split;
            }
            else
            {
                lazy = new Lazy<DataSplit>(() =>
                {
                    var (train, val) = Splits.Stratified(Source(spec).Train, validation, splitSeed);
                    return new DataSplit(train, val, Source(spec).Test);
                });
                _splits[key] = (lazy, _uses.AddLast(key));
            }
        }
        DataSplit split;
        try
        {
            split = lazy.Value;
        }
        catch
        {
            lock (_gate) Forget(key, lazy);
            throw;
        }
        lock (_gate)
        {
            if (_splits.TryGetValue(key, out var held) && ReferenceEquals(held.Split, lazy) && !_counted.Contains(key))
            {
                _counted.Add(key);
                _splitBytes += Bytes(split);
                // Keep the newest split even when it alone is over the budget: the trial asking holds it anyway.
                while (_splitBytes > splitBytes && _uses.First is { } oldest && oldest.Value != key)
                    Forget(oldest.Value, _splits[oldest.Value].Split);
            }
        }
        return split;
    }

    private readonly HashSet<string> _counted = new(StringComparer.Ordinal);

    /// <summary>The splits held now (for tests).</summary>
    public int HeldSplits
    {
        get { lock (_gate) return _splits.Count; }
    }

    private void Forget(string key, Lazy<DataSplit> lazy)
    {
        if (!_splits.TryGetValue(key, out var held) || !ReferenceEquals(held.Split, lazy)) return;
        _splits.Remove(key);
        _uses.Remove(held.Use);
        if (_counted.Remove(key) && lazy.IsValueCreated) _splitBytes -= Bytes(lazy.Value);
    }

    /// <summary>The validation split's own arrays (training rows and labels, validation rows and labels); the test part is shared.</summary>
    private static long Bytes(DataSplit s) =>
        (long)(s.Train.X.Length + (s.Validation?.X.Length ?? 0)) * sizeof(double) + (long)(s.Train.Y.Length + (s.Validation?.Y.Length ?? 0)) * sizeof(int);

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
