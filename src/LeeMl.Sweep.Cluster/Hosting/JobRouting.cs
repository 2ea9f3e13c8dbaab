using Akka.Cluster.Sharding;
using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>How messages find a job's entity: by job id, over a fixed number of shards.</summary>
public static class JobRouting
{
    public const string TypeName = "job";

    public static readonly IMessageExtractor Extractor = HashCodeMessageExtractor.Create(30, m => (m as IJobMessage)?.JobId ?? "", m => m);
}
