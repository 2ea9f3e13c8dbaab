using System.Security.Cryptography;

namespace LeeMl.Sweep.Cluster.Data;

/// <summary>
/// A worker's copies of shipped data files, by SHA-256, in one folder of bounded size: the least
/// recently used go first when a new one needs room. A copy is verified against its hash before
/// it is kept, and written whole or not at all. The folder is made when first needed, so a cache
/// that cannot be written fails the attempts that need it (node faults, retried elsewhere), not
/// the node.
/// </summary>
public sealed class BlobCache(string directory, long maxBytes)
{
    private readonly object _gate = new();

    public string Directory { get; } = directory;

    public long MaxBytes { get; } = maxBytes;

    /// <summary>The default folder: $XDG_CACHE_HOME/leeml-sweep/data, else ~/.cache/leeml-sweep/data.</summary>
    public static string DefaultDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "leeml-sweep", "data");

    public const long DefaultMaxBytes = 2L << 30;

    /// <summary>The path of the verified copy of <paramref name="sha256"/>, fetched with <paramref name="fetch"/> when it is not here.</summary>
    public string Get(string sha256, long size, Func<Stream, Task> fetch)
    {
        if (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit)) throw new InvalidDataException($"'{sha256}' is not a SHA-256");
        if (size > MaxBytes) throw new IOException($"a data file of {size:N0} bytes does not fit this worker's cache ({MaxBytes:N0} bytes; --cache-size)");
        var path = Path.Combine(Directory, sha256.ToLowerInvariant());
        lock (_gate)
        {
            if (File.Exists(path))
            {
                File.SetLastAccessTimeUtc(path, DateTime.UtcNow);
                return path;
            }
        }
        System.IO.Directory.CreateDirectory(Directory);
        var temp = path + $".{Environment.ProcessId}.{Guid.NewGuid():N}.part";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                fetch(file).GetAwaiter().GetResult();
                file.Position = 0;
                var actual = Convert.ToHexStringLower(SHA256.HashData(file));
                if (actual != sha256.ToLowerInvariant() || file.Length != size)
                    throw new InvalidDataException($"the data file {sha256[..12]}… arrived damaged (SHA-256 {actual[..12]}…, {file.Length} of {size} bytes)");
            }
            lock (_gate)
            {
                MakeRoom(size);
                File.Move(temp, path, overwrite: true);
                File.SetLastAccessTimeUtc(path, DateTime.UtcNow);
            }
            return path;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Deletes the least recently used copies until <paramref name="incoming"/> more bytes fit.</summary>
    private void MakeRoom(long incoming)
    {
        var files = new DirectoryInfo(Directory).GetFiles().Where(f => f.Name.Length == 64).OrderBy(f => f.LastAccessTimeUtc).ToList();
        var total = files.Sum(f => f.Length);
        foreach (var f in files)
        {
            if (total + incoming <= MaxBytes) break;
            total -= f.Length;
            f.Delete();
        }
    }
}
