using LeeMl.Sweep.Tests;
using LeeMl.Sweep.Cluster.Protocol;
using System.Globalization;
using System.Security.Cryptography;
using LeeMl.Sweep.Cli.Client;
using LeeMl.Sweep.Cluster.Service;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>A temporary folder, the processes started in it (all killed at the end), and helpers to drive a real cluster.</summary>
internal sealed class ClusterFixture : IDisposable
{
    private readonly List<CliProcess> _processes = [];

    public string Dir { get; } = Directory.CreateTempSubdirectory("leeml-cluster-").FullName;

    /// <summary>Environment for every process: the test server's database password.</summary>
    public Dictionary<string, string?> Environment { get; } = new() { ["LEEML_DATA"] = null };

    public string WriteSpec(string text, string name = "spec.yaml")
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    public CliProcess Start(params string[] args) => StartIn([], args);

    /// <summary>A process started through <paramref name="prefix"/> (e.g. inside a network namespace).</summary>
    public CliProcess StartIn(string[] prefix, params string[] args) => StartAt(Dir, prefix, args);

    /// <summary>A process started in the folder <paramref name="workingDirectory"/> (as on another machine, with other files around it).</summary>
    public CliProcess StartAt(string workingDirectory, string[] prefix, params string[] args)
    {
        Directory.CreateDirectory(workingDirectory);
        var p = new CliProcess(workingDirectory, prefix, args, Environment);
        _processes.Add(p);
        return p;
    }

    private static string S(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>A node of a loopback cluster; coordinators serve the API on <paramref name="http"/>.</summary>
    public CliProcess Node(string roles, int port, IEnumerable<int> seeds, int slots = 1, string db = "coord.db", int? http = null, params string[] extra) =>
        NodeAt(Dir, roles, port, seeds, slots, db, http, extra);

    /// <summary>A node started in its own folder (nothing of the submitter's files around it).</summary>
    public CliProcess NodeAt(string workingDirectory, string roles, int port, IEnumerable<int> seeds, int slots = 1, string db = "coord.db", int? http = null, params string[] extra)
    {
        List<string> args = ["node", "--roles", roles, "--host", "127.0.0.1", "--port", S(port),
            "--seed-nodes", string.Join(",", seeds.Select(s => $"127.0.0.1:{s}")), "--slots", S(slots), "--log-trials"];
        if (roles.Contains("coordinator", StringComparison.Ordinal))
        {
            args.AddRange(["--db", db.Contains("://", StringComparison.Ordinal) ? db : Path.Combine(Dir, db), "--http", S(http ?? LeeMl.Sweep.Tests.FreePorts.Next())]);
            args.AddRange(["--jobs-dir", Path.Combine(Dir, $"jobs-{port}")]);
        }
        if (roles.Contains("worker", StringComparison.Ordinal) && !extra.Contains("--cache-dir")) args.AddRange(["--cache-dir", Path.Combine(Dir, $"cache-{port}")]);
        args.AddRange(extra);
        return StartAt(workingDirectory, [], [.. args]);
    }

    public static SweepHttpClient Client(params int[] httpPorts) =>
        new([.. httpPorts.Select(p => $"127.0.0.1:{S(p)}")], TimeSpan.FromSeconds(5));

    /// <summary>Waits until the cluster reports <paramref name="workers"/> worker nodes with their slots.</summary>
    public static async Task WaitForWorkers(SweepHttpClient client, int workers, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            try
            {
                var status = await client.Status();
                if (status.Nodes.Count(n => n.Roles.Contains("worker") && n.Slots > 0) >= workers) return;
            }
            catch (ClusterUnavailableException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{workers} workers did not register within {timeout}");
    }

    /// <summary>One job, or null while no coordinator answers (it is down, or failing over).</summary>
    public static async Task<JobView?> TryJob(SweepHttpClient client, string job)
    {
        try { return await client.Job(job); }
        catch (ClusterUnavailableException) { return null; }
    }

    public static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>The UTC times of the worker's --log-trials lines of one kind ("start", "done").</summary>
    public static IEnumerable<(DateTime At, string Text)> Logged(CliProcess worker, string kind) =>
        worker.Lines.Select(l => l.Split(' ', 3)).Where(p => p.Length == 3 && p[1] == kind)
            .Select(p => (DateTime.UtcNow.Date + TimeSpan.ParseExact(p[0], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture), p[2]));

    public void KillAll()
    {
        foreach (var p in _processes) p.Dispose();
        _processes.Clear();
    }

    public void Dispose()
    {
        KillAll();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
