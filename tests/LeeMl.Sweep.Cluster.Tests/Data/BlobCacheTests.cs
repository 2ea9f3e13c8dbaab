using System.Security.Cryptography;
using LeeMl.Sweep.Cluster.Data;

namespace LeeMl.Sweep.Cluster.Tests.Data;

public sealed class BlobCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-cache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (byte[] Bytes, string Sha) Blob(int size, byte fill) =>
        (Enumerable.Repeat(fill, size).ToArray() is var b ? b : [], Convert.ToHexStringLower(SHA256.HashData(Enumerable.Repeat(fill, size).ToArray())));

    [Fact]
    public void A_copy_is_fetched_once_verified_and_the_least_recently_used_go_when_room_is_needed()
    {
        var cache = new BlobCache(Path.Combine(_dir, "c"), 250);
        var fetched = 0;
        Func<Stream, Task> From(byte[] bytes) => s => { fetched++; return s.WriteAsync(bytes).AsTask(); };
        var (a, sa) = Blob(100, 1);
        var (b, sb) = Blob(100, 2);
        var (c, sc) = Blob(100, 3);
        var pathA = cache.Get(sa, 100, From(a));
        Assert.Equal(a, File.ReadAllBytes(pathA));
        Assert.Equal(pathA, cache.Get(sa, 100, From(a)));
        Assert.Equal(1, fetched);   // the second time from the cache
        cache.Get(sb, 100, From(b));
        File.SetLastAccessTimeUtc(pathA, DateTime.UtcNow.AddMinutes(1));   // a was used more recently than b
        cache.Get(sc, 100, From(c));   // 300 bytes do not fit 250: b goes
        Assert.True(File.Exists(pathA));
        Assert.False(File.Exists(Path.Combine(_dir, "c", sb)));
        Assert.True(File.Exists(Path.Combine(_dir, "c", sc)));
    }

    [Fact]
    public void Damaged_bytes_are_not_kept_and_a_cache_that_cannot_be_written_fails_the_fetch_not_the_construction()
    {
        var cache = new BlobCache(Path.Combine(_dir, "c"), 1000);
        var (a, sa) = Blob(50, 1);
        Assert.Contains("arrived damaged", Assert.Throws<InvalidDataException>(() => cache.Get(sa, 50, s => s.WriteAsync(new byte[50]).AsTask())).Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "c")));
        File.WriteAllText(Path.Combine(_dir, "file"), "x");
        var broken = new BlobCache(Path.Combine(_dir, "file", "cache"), 1000);
        Assert.ThrowsAny<IOException>(() => broken.Get(sa, 50, s => s.WriteAsync(a).AsTask()));
    }
}
