using Akka.Actor;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Data;

/// <summary>Serves the chunks of shipped data files from the store, at /user/blobs on every coordinator-role node; reads run off the mailbox.</summary>
public sealed class BlobServer : Security.MemberOnlyActor
{
    public const string Name = "blobs";

    public BlobServer(IBlobStore store)
    {
        Receive<FetchBlobChunk>(m =>
        {
            var sender = Sender;
            Task.Run(async () =>
            {
                var info = await store.GetBlob(m.Sha256);
                if (info is null) return new BlobChunk(m.Sha256, m.Chunk, 0, [], "the job's data file is not in the store");
                if (m.Chunk < 0 || m.Chunk >= Math.Max(1, info.Chunks)) return new BlobChunk(m.Sha256, m.Chunk, info.Chunks, [], $"no chunk {m.Chunk}");
                var data = info.Chunks == 0 ? [] : await store.GetBlobChunk(m.Sha256, m.Chunk) ?? [];
                return new BlobChunk(m.Sha256, m.Chunk, Math.Max(1, info.Chunks), data, null);
            }).PipeTo(sender, success: c => c, failure: e => new BlobChunk(m.Sha256, m.Chunk, 0, [], e.GetBaseException().Message));
        });
    }

    public static Props Props(IBlobStore store) => Akka.Actor.Props.Create(() => new BlobServer(store));
}
