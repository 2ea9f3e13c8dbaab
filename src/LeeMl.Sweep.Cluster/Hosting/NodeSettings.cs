using LeeMl.Sweep.Cluster.Protocol;
namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>
/// How one node runs, bound from (lowest first) these defaults, an optional configuration file
/// (<c>--config FILE</c>, JSON), <c>LEEML_*</c> environment variables and the command line. Names
/// bind case-insensitively: <c>"seedNodes"</c> in the file, <c>LEEML_SEED_NODES</c> in the
/// environment, <c>--seed-nodes</c> on the command line.
/// </summary>
public sealed class NodeSettings
{
    public static class Defaults
    {
        public const string Host = "127.0.0.1";
        public const int Port = 4053;
        public const string Db = "leeml-sweep.db";
        public const string LogLevel = "Warning";
        public const string HttpHost = "127.0.0.1";
        /// <summary>The HTTP API and dashboard of coordinator-role nodes.</summary>
        public const int Http = 8053;
        public static int Slots => Environment.ProcessorCount;
    }

    /// <summary>coordinator (runs jobs and their store), worker (trains trials), or both.</summary>
    public List<string> Roles { get; set; } = [];

    public string Host { get; set; } = Defaults.Host;

    public int Port { get; set; } = Defaults.Port;

    /// <summary>The name other nodes reach this one by (default: <see cref="Host"/>).</summary>
    public string? PublicHost { get; set; }

    /// <summary>HOST:PORT of the seed nodes: the same list on every node.</summary>
    public List<string> SeedNodes { get; set; } = [];

    public int Slots { get; set; } = Defaults.Slots;

    /// <summary>The store: an SQLite file, or postgresql://user@host:port/database.</summary>
    public string Db { get; set; } = Defaults.Db;

    /// <summary>Where this node writes the folders of the jobs it hosts (default: beside an SQLite file, else ./jobs).</summary>
    public string? JobsDir { get; set; }

    /// <summary>A folder of named datasets instead of the built-in copies.</summary>
    public string? DataDir { get; set; }

    public string LogLevel { get; set; } = Defaults.LogLevel;

    /// <summary>How log lines are written: plain or json.</summary>
    public string LogFormat { get; set; } = "plain";

    /// <summary>The port of the HTTP API and dashboard (coordinator-role nodes); null: none.</summary>
    public int? Http { get; set; }

    public string HttpHost { get; set; } = Defaults.HttpHost;

    /// <summary>The PostgreSQL password (from LEEML_DB_PASSWORD or the configuration file; else a pgpass file). Never logged.</summary>
    public string? DbPassword { get; set; }

    public bool LogTrials { get; set; }

    /// <summary>Run without TLS off loopback: clear text, and the cluster port open to whoever reaches it (a warning at every start).</summary>
    public bool Insecure { get; set; }

    /// <summary>Without TLS, serve the API to every account of the machine, without the node's secret (a warning at every start).</summary>
    public bool OpenApi { get; set; }

    /// <summary>The name access tokens must be made for (certs token --cluster-name): one authority may sign for several clusters.</summary>
    public string ClusterName { get; set; } = "default";

    public string? TlsCert { get; set; }

    public string? TlsPassword { get; set; }

    public string? TlsCa { get; set; }

    /// <summary>Coordinators: the largest data a job may ship, in bytes or with a unit (500M, 2G).</summary>
    public string MaxDataSize { get; set; } = "1G";

    /// <summary>Coordinators: the most curve points (trials × epochs) one job may store, whatever its spec's max_curve_points says.</summary>
    public long MaxCurvePoints { get; set; } = Experiments.Specs.SpecParser.DefaultMaxCurvePoints;

    /// <summary>Workers: where copies of shipped data files are kept (default: ~/.cache/leeml-sweep/data).</summary>
    public string? CacheDir { get; set; }

    /// <summary>Workers: how much the data cache may hold, in bytes or with a unit.</summary>
    public string CacheSize { get; set; } = "2G";

    public long MaxDataBytes => Sizes.Parse(MaxDataSize, "--max-data-size");

    /// <summary>Coordinators: how many bytes of uploads may wait for their hash check at once, in bytes or with a unit.</summary>
    public string MaxStagedSize { get; set; } = "2G";

    public long MaxStagedBytes => Sizes.Parse(MaxStagedSize, "--max-staged-size");

    /// <summary>Coordinators: how many uploads one client (token, certificate or address) may have under way at once.</summary>
    public int MaxUploadsPerClient { get; set; } = 2;

    public long CacheBytes => Sizes.Parse(CacheSize, "--cache-size");

    /// <summary>Workers: run program trials (off by default: a program is code from whoever may submit).</summary>
    public bool AllowPrograms { get; set; }

    /// <summary>Workers: the GPUs given to program trials, "0,1" (default: those nvidia-smi lists, none without it).</summary>
    public string? Gpus { get; set; }

    /// <summary>Workers: the user programs run as (the worker runs as root then).</summary>
    public string? RunAs { get; set; }

    /// <summary>Workers: where trials' folders are made (default: the temporary folder's leeml-trials).</summary>
    public string? ScratchDir { get; set; }

    /// <summary>Workers: each program's data segment limit, in bytes or with a unit (default: none).</summary>
    public string? ProgramMemory { get; set; }

    /// <summary>Workers: open files and processes a program may have.</summary>
    public int ProgramFiles { get; set; } = 4096;

    public int ProgramProcesses { get; set; } = 4096;

    public bool IsCoordinator => Roles.Contains(NodeRoles.Coordinator);

    public bool IsWorker => Roles.Contains(NodeRoles.Worker);

    public string JobsDirectory => JobsDir ?? (LeeMl.Sweep.Store.StoreAddress.Parse(Db) is LeeMl.Sweep.Store.StoreAddress.Sqlite s
        ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(s.Path))!, "jobs")
        : Path.GetFullPath("jobs"));
}
