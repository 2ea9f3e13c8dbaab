using LeeMl.Sweep.Server.Security;
using LeeMl.Sweep.Cli.Network;
using LeeMl.Sweep.Cluster.Protocol;
using System.CommandLine;
using System.Globalization;
using System.Net;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Security;
using LeeMl.Sweep.Cluster.Workers;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Server.Hosting;
using Microsoft.Extensions.Hosting;

namespace LeeMl.Sweep.Cli.Commands.Node;

/// <summary><c>node</c>: runs one cluster node until it is stopped (SIGTERM or Ctrl+C leave the cluster gracefully).</summary>
public static class NodeCommand
{
    public static Command Create()
    {
        var roles = new Option<string>("--roles") { Description = "coordinator (runs sweep jobs, their store and the HTTP API), worker (trains trials), or both: coordinator,worker [default: none: give it here, as LEEML_ROLES or in --config]", HelpName = "R[,R]" };
        var host = new Option<string>("--host") { Description = "address to listen on", HelpName = "H", DefaultValueFactory = _ => NodeSettings.Defaults.Host };
        var port = new Option<int>("--port") { Description = "port to listen on (cluster traffic)", HelpName = "P", DefaultValueFactory = _ => NodeSettings.Defaults.Port, CustomParser = Options.Checked(t => Port(t, "--port"), 0) };
        var seeds = new Option<string>("--seed-nodes")
        {
            Description = "the same list on every node, the first coordinator first and at least one other node, so that a restarted coordinator rejoins instead of forming a second cluster [default: none: give it here, as LEEML_SEED_NODES or in --config]",
            HelpName = "H:P[,H:P...]",
        };
        var slots = Options.Slots();
        var db = new Option<string>("--db")
        {
            Description = "the coordinators' store: an SQLite file (one coordinator-role node) or postgresql://user@host:port/database (several; password from LEEML_DB_PASSWORD or a pgpass file)",
            HelpName = "FILE|URI",
            DefaultValueFactory = _ => NodeSettings.Defaults.Db,
        };
        var jobsDir = new Option<string?>("--jobs-dir") { Description = "where this node writes the folders (results, reports) of the jobs it hosts [default: beside an SQLite file, else ./jobs]", HelpName = "DIR" };
        var dataDir = Options.DataDir();
        var publicHost = new Option<string?>("--public-host") { Description = "the name other nodes use to reach this one [default: --host]", HelpName = "NAME" };
        var http = Options.WholeNumber("--http", "the port of /healthz and /readyz on any node; on coordinators also of the dashboard and of the HTTP API that clients (submit, status, cancel, fetch) use (coordinators serve it by default)", NodeSettings.Defaults.Http, min: 1, helpName: "PORT");
        var httpHost = new Option<string>("--http-host") { Description = "the address the dashboard and HTTP API listen on (any but loopback needs TLS)", HelpName = "H", DefaultValueFactory = _ => NodeSettings.Defaults.HttpHost };
        var maxData = new Option<string>("--max-data-size") { Description = "coordinators: the largest data a job may ship (its CSV files), e.g. 500M, 2G", HelpName = "SIZE", DefaultValueFactory = _ => "1G" };
        var maxStaged = new Option<string>("--max-staged-size") { Description = "coordinators: how many bytes of uploads may wait for their hash check at once (beyond it an upload is answered 503, to try again)", HelpName = "SIZE", DefaultValueFactory = _ => "2G" };
        var uploadsPerClient = Options.WholeNumber("--max-uploads-per-client", "coordinators: how many uploads one client (token, certificate or address) may have under way at once (beyond it 429, to try again)", 2, min: 1, helpName: "N");
        var cacheDir = new Option<string?>("--cache-dir") { Description = "workers: where copies of the data shipped with jobs are kept [default: ~/.cache/leeml-sweep/data]", HelpName = "DIR" };
        var cacheSize = new Option<string>("--cache-size") { Description = "workers: how much that cache may hold; the least recently used files go first", HelpName = "SIZE", DefaultValueFactory = _ => "2G" };
        var maxPoints = new Option<long>("--max-curve-points") { Description = "coordinators: the most curve points (trials × epochs) one job may store; a spec asks for more with max_curve_points", HelpName = "N", DefaultValueFactory = _ => Experiments.Specs.SpecParser.DefaultMaxCurvePoints };
        var logTrials = Options.Flag("--log-trials", "log a line (on stderr, at information level) when a trial is assigned, starts and ends on this node");
        var insecure = Options.Insecure();
        var clusterName = new Option<string>("--cluster-name") { Description = "with TLS: the name access tokens must be made for (certs token --cluster-name); clusters of one authority refuse each other's tokens", HelpName = "NAME", DefaultValueFactory = _ => Server.Security.AccessTokens.DefaultCluster };
        var openApi = Options.Flag("--open-api", "without TLS, serve the API to every account of this machine, without the secret the node writes for its own user (a warning at every start)");
        var logLevel = SettingsBinder.LogLevelOption();
        var logFormat = SettingsBinder.LogFormatOption();
        var config = SettingsBinder.ConfigOption();
        var tls = new TlsOptionSet();
        var programs = new WorkerSetup();
        var command = new Command("node", "run one cluster node (coordinator and/or worker) until stopped")
        {
            roles, host, port, seeds, slots, db, jobsDir, dataDir, publicHost, http, httpHost, maxData, maxStaged, uploadsPerClient, maxPoints, cacheDir, cacheSize, logTrials, insecure, openApi, clusterName, logLevel, logFormat, config,
        };
        foreach (var o in programs.All) command.Options.Add(o);
        tls.AddTo(command);
        command.SetAction(parse =>
        {
            var settings = SettingsBinder.Bind(parse, config,
            [
                (roles, nameof(NodeSettings.Roles)), (host, nameof(NodeSettings.Host)), (port, nameof(NodeSettings.Port)), (seeds, nameof(NodeSettings.SeedNodes)),
                (slots, nameof(NodeSettings.Slots)), (db, nameof(NodeSettings.Db)), (jobsDir, nameof(NodeSettings.JobsDir)), (dataDir, nameof(NodeSettings.DataDir)),
                (publicHost, nameof(NodeSettings.PublicHost)), (http, nameof(NodeSettings.Http)), (httpHost, nameof(NodeSettings.HttpHost)),
                (maxData, nameof(NodeSettings.MaxDataSize)), (maxStaged, nameof(NodeSettings.MaxStagedSize)), (uploadsPerClient, nameof(NodeSettings.MaxUploadsPerClient)), (maxPoints, nameof(NodeSettings.MaxCurvePoints)), (cacheDir, nameof(NodeSettings.CacheDir)), (cacheSize, nameof(NodeSettings.CacheSize)),
                (logTrials, nameof(NodeSettings.LogTrials)), (insecure, nameof(NodeSettings.Insecure)), (openApi, nameof(NodeSettings.OpenApi)), (clusterName, nameof(NodeSettings.ClusterName)), (logLevel, nameof(NodeSettings.LogLevel)), (logFormat, nameof(NodeSettings.LogFormat)),
                (tls.Cert, nameof(NodeSettings.TlsCert)), (tls.Password, nameof(NodeSettings.TlsPassword)), (tls.Ca, nameof(NodeSettings.TlsCa)),
                .. programs.Bindings,
            ]);
            Validate(settings);
            var clusterTls = TlsOptionSet.From(settings)?.Load(CertificateRole.Node);
            Secure(settings, clusterTls, parse.InvocationConfiguration.Error);
            return Run(settings, clusterTls, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return command;
    }

    private static void Validate(NodeSettings s)
    {
        if (s.Roles.Count == 0) throw new UsageException("--roles is required: coordinator, worker, or both");
        foreach (var r in s.Roles.Where(r => !NodeRoles.All.Contains(r)))
            throw new UsageException($"unknown role '{r}'; roles: coordinator, worker");
        if (s.SeedNodes.Count == 0) throw new UsageException("--seed-nodes is required (the same list on every node)");
        s.SeedNodes = [.. s.SeedNodes.Select(Endpoint)];
        Port(s.Port.ToString(CultureInfo.InvariantCulture), "--port");
        if (s.Slots < 1) throw new UsageException($"--slots = '{s.Slots}' must be a whole number >= 1");
        if (!s.IsWorker && (s.AllowPrograms || s.Gpus is not null || s.RunAs is not null || s.ScratchDir is not null))
            throw new UsageException("--allow-programs, --gpus, --run-as and --scratch-dir are for workers (--roles worker)");
        if (s.IsWorker) _ = (WorkerSetup.ProgramHostOf(s), WorkerSetup.GpusOf(s));   // bad program options fail before the node starts
        if (!ConsoleLogging.Formats.Contains(s.LogFormat)) throw new UsageException($"--log-format '{s.LogFormat}': one of {string.Join(", ", ConsoleLogging.Formats)}");
        if (s.IsCoordinator) s.Http ??= NodeSettings.Defaults.Http;
        if (s.Http is { } h) Port(h.ToString(CultureInfo.InvariantCulture), "--http");
        try
        {
            _ = (s.MaxDataBytes, s.CacheBytes);
            if (s.MaxStagedBytes < s.MaxDataBytes)
                throw new UsageException($"--max-staged-size {s.MaxStagedSize} is less than --max-data-size {s.MaxDataSize}: a file of the largest size allowed could never be staged");
            if (s.MaxUploadsPerClient < 1) throw new UsageException($"--max-uploads-per-client {s.MaxUploadsPerClient}: at least 1");
            if (!Server.Security.AccessTokens.IsClusterName(s.ClusterName))
                throw new UsageException($"--cluster-name '{Experiments.Text.Printable.Escape(s.ClusterName)}' must be letters, digits, '-', '_' or '.' (at most 64)");
            if (s.MaxCurvePoints < 1) throw new UsageException($"--max-curve-points {s.MaxCurvePoints}: at least 1");
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>TLS off loopback unless --insecure (which warns at every start); ports that are this node's alone.</summary>
    private static void Secure(NodeSettings s, ClusterTls? tls, TextWriter stderr)
    {
        var addresses = new List<(string, string)> { ("--host", s.Host), ("--public-host", s.PublicHost ?? s.Host) };
        addresses.AddRange(s.SeedNodes.Select(seed => ("--seed-nodes", Exposure.HostOf(seed))));
        if (s.Http is not null) addresses.Add(("--http-host", s.HttpHost));
        if (Exposure.Refusal(addresses, tls is not null, s.Insecure, node: true) is { } refusal) throw new UsageException(refusal);
        if (s.Insecure && tls is null) stderr.WriteLine(Exposure.InsecureWarning($"node {s.PublicHost ?? s.Host}:{s.Port}"));
        if (s.OpenApi && tls is null && s.IsCoordinator)
            stderr.WriteLine($"leeml-sweep: warning: --open-api: every account of this machine{(s.Insecure ? " and everyone who reaches the network" : "")} can read, submit and cancel jobs on {s.HttpHost}:{s.Http}");
        if (PortCheck.Problem(s.Host, s.Port) is { } port) throw new UsageException($"--port {s.Port}: {port}");
        if (s.Http is { } http && PortCheck.Problem(s.HttpHost, http) is { } httpPort) throw new UsageException($"--http {http}: {httpPort}");
    }

    private static int Run(NodeSettings settings, ClusterTls? tls, TextWriter stdout, TextWriter stderr)
    {
        ISweepStore? store = null;
        if (settings.IsCoordinator)
        {
            try
            {
                store = SweepStores.Open(settings.Db, settings.DbPassword).GetAwaiter().GetResult();
            }
            catch (StoreException e)
            {
                stderr.WriteLine($"leeml-sweep node: {e.Message}");
                return e.InnerException is null ? ExitCodes.BadInput : ExitCodes.Failed;
            }
        }
        var runtime = new NodeRuntime(settings, store, embedded: false, store is null ? null : Server.Reports.FolderRenderer.Instance) { JobFolder = id => Path.Combine(settings.JobsDirectory, id) };
        var worker = settings.IsWorker
            ? WorkerSetup.Worker(settings, settings.CacheDir ?? Cluster.Data.BlobCache.DefaultDirectory)
            : null;
        // A worker with --http serves its health and readiness only; it has no API to guard with a secret.
        var http = settings.Http is { } p
            ? new HttpEndpoint(settings.HttpHost, p, tls is null && !settings.OpenApi && settings.IsCoordinator ? LocalSecrets.Create(settings.HttpHost, p) : null) : null;
        using var host = NodeHost.Build(runtime, worker, tls, http, l => ConsoleLogging.Configure(l, settings.LogLevel, settings.LogTrials ? [WorkerOptions.TrialLogCategory] : [], settings.LogFormat, $"{settings.PublicHost ?? settings.Host}:{settings.Port}"));
        try
        {
            host.StartAsync().GetAwaiter().GetResult();
        }
        catch (IOException e)
        {
            stderr.WriteLine($"leeml-sweep node: cannot listen for HTTP on {settings.HttpHost}:{settings.Http}: {e.Message}");
            return ExitCodes.BadInput;
        }
        // Joining can take seconds (the first seed waits for the others before it forms the cluster alone): say so at once.
        stdout.WriteLine($"node {settings.PublicHost ?? settings.Host}:{settings.Port} ({string.Join(",", settings.Roles)}) started; joining the cluster through {string.Join(", ", settings.SeedNodes)}");
        var (joined, mismatch) = WaitUntilJoined(runtime, host, tls, stdout);
        // The remoting stops the node itself when a TLS handshake with a seed fails: say why, as the probe sees it.
        if (joined is null && mismatch is null && runtime.System is { } stopped
            && Akka.Actor.CoordinatedShutdown.Get(stopped).ShutdownReason?.GetType().Name == "TlsHandshakeFailureReason")
            mismatch = Mismatch(settings, tls) ?? $"the TLS handshake with the seed nodes {string.Join(", ", settings.SeedNodes)} failed (the log above says which side refused)";
        if (mismatch is not null)
        {
            stderr.WriteLine($"leeml-sweep node: {mismatch}");
            host.StopAsync().GetAwaiter().GetResult();
            store?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return ExitCodes.BadInput;
        }
        if (joined is not null)
        {
            var as_ = string.Join(",", settings.Roles);
            var programs = worker?.Programs is null ? "" : $", running programs{(worker.Gpus.Count > 0 ? $" on GPUs {string.Join(',', worker.Gpus)}" : "")}";
            stdout.WriteLine($"joined the cluster at {joined} as {as_}{(settings.IsWorker ? $" with {settings.Slots} slots{programs}" : "")}" +
                (http is null ? "" : settings.IsCoordinator
                    ? $"; dashboard and HTTP API on {(tls is null ? "http" : "https")}://{http.Host}:{http.Port}/"
                    : $"; health and readiness on {(tls is null ? "http" : "https")}://{http.Host}:{http.Port}/healthz and /readyz"));
            if (http?.Secret is { } secret)
                stdout.WriteLine($"dashboard: http://{http.Host}:{http.Port}/login?token={secret} (the API asks for this secret; clients run by this user read it from {LocalSecrets.FileOf(http.Host, http.Port)})");
            host.WaitForShutdownAsync().GetAwaiter().GetResult();
        }
        else host.StopAsync().GetAwaiter().GetResult();
        store?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (http?.Secret is { } used) LocalSecrets.Remove(http.Host, http.Port, used);
        if (runtime.Failure == NodeFailure.BadConfiguration)
        {
            stderr.WriteLine($"leeml-sweep node: {runtime.FailureMessage}");
            return ExitCodes.BadInput;
        }
        if (runtime.Failure == NodeFailure.Runtime)
        {
            stderr.WriteLine($"leeml-sweep node: {runtime.FailureMessage}");
            return ExitCodes.Failed;
        }
        // Stopped on request (SIGTERM, Ctrl+C): 0. Downed by the cluster (cut off, or declared dead): 1.
        var downed = runtime.System is { } system && Akka.Actor.CoordinatedShutdown.Get(system).ShutdownReason is Akka.Actor.CoordinatedShutdown.ClusterDowningReason;
        stdout.WriteLine($"node {joined ?? settings.Host + ":" + settings.Port} stopped{(downed ? ": the cluster downed it" : "")}");
        return downed ? ExitCodes.Failed : ExitCodes.Ok;
    }

    /// <summary>
    /// The node's address once it has joined; null if it stopped first. While it waits it says so,
    /// and it asks the seed nodes over TLS why not: a cluster that speaks TLS when this node does
    /// not (or the other way round), or that refuses this node's certificate, ends the wait with
    /// that reason instead of a silent loop.
    /// </summary>
    private static (string? Joined, string? Mismatch) WaitUntilJoined(NodeRuntime runtime, IHost host, ClusterTls? tls, TextWriter stdout)
    {
        var lifetime = (IHostApplicationLifetime)host.Services.GetService(typeof(IHostApplicationLifetime))!;
        var stopping = Task.Delay(Timeout.Infinite, lifetime.ApplicationStopping);
        var started = DateTime.UtcNow;
        var told = false;
        var agreed = new HashSet<string>(StringComparer.Ordinal);   // seeds whose TLS (or its absence) matches ours: not probed again
        while (true)
        {
            var done = Task.WhenAny(runtime.Ready, stopping, Task.Delay(TimeSpan.FromSeconds(3))).GetAwaiter().GetResult();
            if (done == runtime.Ready) return (runtime.Ready.IsCompletedSuccessfully ? runtime.Ready.Result : null, null);
            if (done == stopping) return (null, null);
            // Not before a normal join would have happened: a probe is a connection that is not remoting traffic.
            if (DateTime.UtcNow - started > TimeSpan.FromSeconds(10) && Mismatch(runtime.Settings, tls, agreed) is { } mismatch) return (null, mismatch);
            if (!told && DateTime.UtcNow - started > TimeSpan.FromSeconds(14))
            {
                stdout.WriteLine($"waiting to join the cluster through {string.Join(", ", runtime.Settings.SeedNodes)} (is the first seed node up?)");
                told = true;
            }
        }
    }

    private static string? Mismatch(NodeSettings s, ClusterTls? tls, HashSet<string>? agreed = null)
    {
        var self = $"{s.PublicHost ?? s.Host}:{s.Port}";
        foreach (var seed in s.SeedNodes.Where(x => x != self && agreed?.Contains(x) != true))
        {
            var colon = seed.LastIndexOf(':');
            var outcome = TlsProbe.Try(seed[..colon], int.Parse(seed[(colon + 1)..], CultureInfo.InvariantCulture), tls).GetAwaiter().GetResult();
            if (outcome == (tls is null ? TlsProbe.Outcome.Plain : TlsProbe.Outcome.Accepted)) agreed?.Add(seed);
            var why = outcome switch
            {
                TlsProbe.Outcome.Tls => $"the cluster at {seed} requires TLS: start this node with --tls-cert and --tls-ca (a node certificate from leeml-sweep certs node, and the cluster's ca.crt)",
                TlsProbe.Outcome.Plain when tls is not null => $"the node at {seed} does not use TLS: every node of a cluster uses TLS, or none does",
                TlsProbe.Outcome.ForeignPeer => $"the node at {seed} presents a certificate not signed by --tls-ca: every node of a cluster uses the same ca.crt",
                TlsProbe.Outcome.RefusedUs => $"the cluster at {seed} refused this node's certificate (not signed by its CA)",
                _ => null,
            };
            if (why is not null) return why;
        }
        return null;
    }

    public static int Port(string text, string option) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535
            ? p
            : throw new UsageException($"{option} '{text}' is not a port (1-65535)");

    /// <summary>H:P with a valid port; H a name or an address.</summary>
    public static string Endpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) throw new UsageException($"'{text}' must be HOST:PORT");
        var host = text[..colon];
        if (host.Any(char.IsWhiteSpace) || (!IPAddress.TryParse(host, out _) && Uri.CheckHostName(host) == UriHostNameType.Unknown))
            throw new UsageException($"'{host}' in '{text}' is not a host name or address");
        Port(text[(colon + 1)..], "port");
        return text;
    }
}
