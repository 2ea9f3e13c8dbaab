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

    /// <summary>Where a data path of a spec is on this machine: a relative one is read from the spec's folder (null: the current folder).</summary>
    public static string Resolve(string path, string? specFolder) => specFolder is null ? path : Path.Combine(specFolder, path);

    /// <summary>Each file with its SHA-256 and size, named by its path as written; relative paths are read from <paramref name="specFolder"/>.</summary>
    public static IReadOnlyList<ShippedFile> Hash(DataSpec data, string? specFolder = null, long maxBytes = DefaultMaxBytes) => Hash(Paths(data), specFolder, maxBytes);

    /// <summary>Every file a spec ships: its data files, or its program's files (a listed folder as the files in it), and the earlier results it warm-starts from.</summary>
    public static IReadOnlyList<ShippedFile> Hash(SweepSpec spec, string? specFolder = null, long maxBytes = DefaultMaxBytes) =>
        Hash([.. spec.Program is { } program ? Programs.ProgramFiles.Expand(program, specFolder) : Paths(spec.Data), .. Planning.WarmStart.Files(spec)], specFolder, maxBytes);

    /// <summary>Whether a shipped path is one the spec needs (a data file it names, a file of its program, an earlier job's results or spec).</summary>
    public static bool Needs(SweepSpec spec, string path) =>
        (spec.Program is { } program ? Programs.ProgramFiles.Lists(program, path) : Paths(spec.Data).Contains(path)) || Planning.WarmStart.Files(spec).Contains(path);

    private static IReadOnlyList<ShippedFile> Hash(IReadOnlyList<string> paths, string? specFolder, long maxBytes)
    {
        var files = new List<ShippedFile>();
        foreach (var written in paths)
        {
            var path = Resolve(written, specFolder);
            if (!File.Exists(path) && !Directory.Exists(path))
                throw new Learning.Data.DataException($"{written}: file not found (the spec's data file; a relative path is read from the spec's folder{(specFolder is null ? "" : $", {specFolder}")})");
            var size = Learning.Data.DataFile.RegularLength(path);
            if (size > maxBytes) throw new Learning.Data.DataException($"{written}: {size:N0} bytes, over the limit of {maxBytes:N0} bytes for a job's data");
            using var stream = File.OpenRead(path);
            files.Add(new ShippedFile(written, Convert.ToHexStringLower(SHA256.HashData(stream)), size));
        }
        if (files.Sum(f => f.Size) > maxBytes) throw new Learning.Data.DataException($"the spec's data files are {files.Sum(f => f.Size):N0} bytes together, over the limit of {maxBytes:N0} bytes");
        return files;
    }
}
