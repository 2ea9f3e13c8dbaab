using LeeMl.Sweep.Cluster.Protocol;
using System.Security.Cryptography;
using LeeMl.Sweep.Experiments.Data;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Data;

/// <summary>A shipped file that cannot be taken: over the size limit (HTTP 413), or not the bytes its hash names (400).</summary>
public sealed class ShippingException(string message, bool tooLarge) : Exception(message)
{
    public bool TooLarge { get; } = tooLarge;
}

/// <summary>
/// Puts a shipped data file into the store as it streams in, in chunks, hashing on the way: it
/// is kept only if its bytes are the ones its SHA-256 names and within the size limit.
/// </summary>
public static class BlobStorage
{
    /// <summary>Bytes per stored chunk and per message to a worker (well under the transport's frame size).</summary>

    public static async Task Store(IBlobStore store, ShippedFile file, Stream content, long maxBytes, CancellationToken cancel = default)
    {
        if (file.Sha256.Length != 64 || !file.Sha256.All(Uri.IsHexDigit)) throw new ShippingException($"'{file.Sha256}' is not a SHA-256", false);
        if (file.Size > maxBytes) throw new ShippingException($"{file.Path}: {file.Size:N0} bytes, over this cluster's limit of {maxBytes:N0} bytes for a job's data", true);
        if (await store.GetBlob(file.Sha256, cancel) is not null) return;   // shipped before: the store keeps one copy
        // The bytes wait in a temporary file until their hash is checked: the store only ever holds
        // verified blobs, and a refused upload leaves nothing behind (the file goes when it closes).
        await using var staged = new FileStream(Path.Combine(Path.GetTempPath(), $"leeml-upload-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
            ProtocolLimits.ChunkBytes, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ProtocolLimits.ChunkBytes];
        long total = 0;
        int n;
        while ((n = await content.ReadAsync(buffer, cancel)) > 0)
        {
            total += n;
            if (total > maxBytes) throw new ShippingException($"{file.Path}: over this cluster's limit of {maxBytes:N0} bytes for a job's data", true);
            hash.AppendData(buffer, 0, n);
            await staged.WriteAsync(buffer.AsMemory(0, n), cancel);
        }
        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (actual != file.Sha256.ToLowerInvariant() || total != file.Size)
            throw new ShippingException($"{file.Path}: the bytes that arrived (SHA-256 {actual[..12]}…, {total} bytes) are not the file announced", false);
        staged.Position = 0;
        await store.PutBlob(file.Sha256, total, Chunks(staged, cancel), cancel);
    }

    /// <summary>A stored blob's bytes, whole (null when the store does not have it).</summary>
    public static async Task<byte[]?> Read(IBlobStore store, string sha256, CancellationToken cancel = default)
    {
        if (await store.GetBlob(sha256, cancel) is not { } blob) return null;
        var bytes = new MemoryStream((int)Math.Min(blob.Size, int.MaxValue));
        for (var i = 0; i < blob.Chunks; i++)
            bytes.Write(await store.GetBlobChunk(sha256, i, cancel) ?? throw new InvalidDataException($"chunk {i} of blob {sha256[..12]}… is missing"));
        return bytes.ToArray();
    }

    /// <summary>A file in chunks of <see cref="ProtocolLimits.ChunkBytes"/> (the last one shorter).</summary>
    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> Chunks(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel)
    {
        while (true)
        {
            var buffer = new byte[ProtocolLimits.ChunkBytes];
            var filled = 0;
            int n;
            while (filled < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(filled), cancel)) > 0) filled += n;
            if (filled == 0) yield break;
            yield return buffer.AsMemory(0, filled);
            if (filled < buffer.Length) yield break;
        }
    }
}
