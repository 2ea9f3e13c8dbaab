namespace LeeMl.Sweep.Cluster.Protocol;

/// <summary>Sizes both ends of the protocol agree on.</summary>
public static class ProtocolLimits
{
    /// <summary>Epochs per curve chunk: a result's messages stay well under the transport's frame size however long it trained.</summary>
    public const int ChunkEpochs = 1000;

    /// <summary>Bytes per chunk of a shipped data file.</summary>
    public const int ChunkBytes = 1 << 20;
}
