using System.Security.Cryptography;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Experiments.Data;

/// <summary>The data files a spec names, found and hashed on the machine that submits it.</summary>
public static class SpecFiles
{
    /// <summary>The largest data a job may ship, unless a coordinator allows more (--max-data-size).</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>The paths, as written, of the files a spec's data names (none for named or synthetic data).</summary>
    public static IReadOnlyList<string> Paths(DataSpec data) => data.Source == "csv"
        ? [.. new[] { data.Get("path", ""), data.Get("test", "") }.Where(p => p.Length > 0).Distinct(StringComparer.Ordinal)]
        : [];

    /// <summary>Each file with its SHA-256 and size; paths are read as given (relative ones from the current folder).</summary>
    public static IReadOnlyList<ShippedFile> Hash(DataSpec data, long maxBytes = DefaultMaxBytes)
    {
        var files = new List<ShippedFile>();
        foreach (var path in Paths(data))
        {
            if (!File.Exists(path) && !Directory.Exists(path)) throw new Learning.Data.DataException($"{path}: file not found (the spec's data file; paths are read from the current folder)");
            var size = Learning.Data.DataFile.RegularLength(path);
            if (size > maxBytes) throw new Learning.Data.DataException($"{path}: {size:N0} bytes, over the limit of {maxBytes:N0} bytes for a job's data");
            using var stream = File.OpenRead(path);
            files.Add(new ShippedFile(path, Convert.ToHexStringLower(SHA256.HashData(stream)), size));
        }
        if (files.Sum(f => f.Size) > maxBytes) throw new Learning.Data.DataException($"the spec's data files are {files.Sum(f => f.Size):N0} bytes together, over the limit of {maxBytes:N0} bytes");
        return files;
    }
}
