namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>How one node runs: its roles, where it listens, whom it joins, its slots and files.</summary>
public sealed record NodeOptions(
    IReadOnlyList<string> Roles, string Host, int Port, IReadOnlyList<string> SeedNodes, int Slots,
    string DatabasePath, string? DataDirectory, string? PublicHost = null, bool LogTrials = false, string LogLevel = "WARNING",
    TlsOptions? Tls = null)
{
    /// <summary>akka.tcp, or akka.ssl.tcp with TLS: seeds must use the scheme the transport speaks.</summary>
    public string Scheme => Tls is null ? "akka.tcp" : "akka.ssl.tcp";

    public bool IsCoordinator => Roles.Contains("coordinator");

    public bool IsWorker => Roles.Contains("worker");

    public const string SystemName = "leeml-sweep";
}
