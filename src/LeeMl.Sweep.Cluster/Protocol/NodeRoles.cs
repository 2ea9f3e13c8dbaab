namespace LeeMl.Sweep.Cluster.Protocol;

/// <summary>The roles a node joins the cluster with.</summary>
public static class NodeRoles
{
    public const string Coordinator = "coordinator";
    public const string Worker = "worker";
    public static readonly IReadOnlyList<string> All = [Coordinator, Worker];
}
