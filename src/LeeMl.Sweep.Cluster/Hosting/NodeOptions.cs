using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Learning.Training;

namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>What a worker runs for a trial: <see cref="TrialRunner.Run"/>, or a stand-in in benchmarks.</summary>
public delegate TrialResult TrialExecutor(SweepSpec sweep, TrialSpec trial, DataLoader data, Action<EpochMetrics>? onEpoch, CancellationToken cancel);

/// <summary>How one node runs: its roles, where it listens, whom it joins, its slots and files.</summary>
public sealed record NodeOptions(
    IReadOnlyList<string> Roles, string Host, int Port, IReadOnlyList<string> SeedNodes, int Slots,
    string DatabasePath, string? DataDirectory, string? PublicHost = null, bool LogTrials = false, string LogLevel = "WARNING",
    TlsOptions? Tls = null, TrialExecutor? Executor = null, bool Embedded = false)
{
    // Embedded: a one-node cluster inside one program (run) that nobody else joins, so it can form
    // and leave on short timers instead of the ones sized for gossip between machines.

    /// <summary>akka.tcp, or akka.ssl.tcp with TLS: seeds must use the scheme the transport speaks.</summary>
    public string Scheme => Tls is null ? "akka.tcp" : "akka.ssl.tcp";

    public bool IsCoordinator => Roles.Contains("coordinator");

    public bool IsWorker => Roles.Contains("worker");

    public const string SystemName = "leeml-sweep";
}
