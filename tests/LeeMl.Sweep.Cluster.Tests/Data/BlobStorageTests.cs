using System.Security.Cryptography;
using LeeMl.Sweep.Cluster.Data;
using LeeMl.Sweep.Experiments.Data;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Tests.Data;

/// <summary>Uploads into a real SQLite store: only bytes that match their hash become a blob, and a refused upload leaves nothing.</summary>
public sealed class BlobStorageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-blobs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ShippedFile Announced(byte[] bytes) => new("train.csv", Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length);

    private static async Task<byte[]> Read(ISweepStore store, string sha)
    {
        var info = (await store.GetBlob(sha))!;
        var all = new List<byte>();
        for (var i = 0; i < info.Chunks; i++) all.AddRange((await store.GetBlobChunk(sha, i))!);
        return [.. all];
    }

    [Fact]
    public async Task Garbage_sent_under_a_real_file_s_hash_is_refused_and_the_real_file_is_then_stored_whole()
    {
        await using var store = await SweepStores.Open(Path.Combine(_dir, "s.db"));
        var real = new byte[600_000];
        new Random(1).NextBytes(real);
        var file = Announced(real);
        var garbage = new byte[real.Length];
        var e = await Assert.ThrowsAsync<ShippingException>(() => BlobStorage.Store(store, file, new MemoryStream(garbage), 1 << 30));
        Assert.False(e.TooLarge);
        Assert.Null(await store.GetBlob(file.Sha256));
        await BlobStorage.Store(store, file, new MemoryStream(real), 1 << 30);
        Assert.Equal(real, await Read(store, file.Sha256));
    }

    [Fact]
    public async Task Refused_uploads_leave_nothing_in_the_store()
    {
        var db = Path.Combine(_dir, "s.db");
        await using var store = await SweepStores.Open(db);
        var before = new FileInfo(db).Length;
        var real = new byte[10 << 20];
        new Random(2).NextBytes(real);
        var file = Announced(real);
        for (var i = 0; i < 3; i++)
        {
            var garbage = new byte[real.Length];
            new Random(10 + i).NextBytes(garbage);
            await Assert.ThrowsAsync<ShippingException>(() => BlobStorage.Store(store, file, new MemoryStream(garbage), 1 << 30));
        }
        await Assert.ThrowsAsync<ShippingException>(() => BlobStorage.Store(store, file with { Size = 100 }, new MemoryStream(real), 100));   // over the limit
        var grown = new FileInfo(db).Length + (File.Exists(db + "-wal") ? new FileInfo(db + "-wal").Length : 0) - before;
        Assert.True(grown < 1 << 20, $"three refused 10 MB uploads grew the store by {grown:N0} bytes");
    }
}
