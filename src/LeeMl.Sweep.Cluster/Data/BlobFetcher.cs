using Akka.Actor;
using Akka.Cluster;
using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cluster.Data;

/// <summary>
/// Fetches a shipped data file's chunks from the blob server of a coordinator-role node (any:
/// they all read the same store), trying the next one when one does not answer.
/// </summary>
public sealed class BlobFetcher(ActorSystem system)
{
    private static readonly TimeSpan ChunkTimeout = TimeSpan.FromSeconds(20);

    public async Task Fetch(string sha256, Stream into)
    {
        var coordinators = Akka.Cluster.Cluster.Get(system).State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(NodeRoles.Coordinator)).Select(m => m.Address).ToList();
        if (coordinators.Count == 0) throw new IOException("no coordinator-role node is up to fetch the job's data from");
        Exception? last = null;
        foreach (var address in coordinators.OrderBy(_ => Random.Shared.Next()))
        {
            var server = system.ActorSelection(new RootActorPath(address) / "user" / BlobServer.Name);
            try
            {
                into.SetLength(0);
                for (var chunk = 0; ; chunk++)
                {
                    var reply = await server.Ask<BlobChunk>(new FetchBlobChunk(sha256, chunk), ChunkTimeout);
                    if (reply.Error is { } error) throw new IOException(error);
                    await into.WriteAsync(reply.Data);
                    if (chunk + 1 >= reply.Chunks) return;
                }
            }
            catch (Exception e) when (e is AskTimeoutException or IOException)
            {
                last = e;
            }
        }
        throw new IOException($"the job's data file {sha256[..12]}… could not be fetched: {last?.Message}");
    }
}
