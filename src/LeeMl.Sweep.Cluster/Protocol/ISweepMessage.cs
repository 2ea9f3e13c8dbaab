namespace LeeMl.Sweep.Cluster.Protocol;

/// <summary>Every message that crosses the network between nodes; bound to <see cref="SweepSerializer"/>.</summary>
public interface ISweepMessage;

/// <summary>A message for one job's entity: the shard region routes it by <see cref="JobId"/>.</summary>
public interface IJobMessage : ISweepMessage
{
    string JobId { get; }
}
