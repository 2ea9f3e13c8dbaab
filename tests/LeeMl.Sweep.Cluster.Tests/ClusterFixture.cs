using LeeMl.Sweep.Tests;
using LeeMl.Sweep.Cluster.Protocol;
using System.Globalization;
using System.Text.Json;
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
    /// <summary>A process with an environment of its own (as a pod has), in its own folder.</summary>
    public CliProcess StartAt(string workingDirectory, string[] args, IReadOnlyDictionary<string, string?> environment)
    {
        Directory.CreateDirectory(workingDirectory);
        var p = new CliProcess(workingDirectory, [], args, environment);
        _processes.Add(p);
        return p;
    }

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

    /// <summary>A client of the API a node serves without TLS on 127.0.0.1:<paramref name="port"/>, with the secret that node wrote for this user (as the CLI sends it).</summary>
    public static HttpClient LocalApi(int port, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{S(port)}"), Timeout = timeout ?? TimeSpan.FromSeconds(10) };
        var secret = Server.Security.LocalSecrets.Find($"127.0.0.1:{S(port)}") ?? throw new InvalidOperationException($"no secret for the API on port {port}: has the node started?");
        client.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        return client;
    }

    /// <summary>A running job's running trials and the node of each, as the API's live view shows them (none while no coordinator answers).</summary>
    public static async Task<IReadOnlyList<(string Key, string Node, int Epoch)>> Running(string job, params int[] httpPorts)
    {
        foreach (var port in httpPorts)
            try
            {
                using var http = LocalApi(port);
                using var doc = JsonDocument.Parse(await http.GetStringAsync($"/api/jobs/{job}/live"));
                return [.. doc.RootElement.GetProperty("trials").EnumerateArray()
                    .Select(t => (t.GetProperty("key").GetString()!, t.GetProperty("node").GetString()!, t.GetProperty("epoch").GetInt32()))];
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            catch (InvalidOperationException) { }   // the node is starting again
        return [];
    }

    /// <summary>A job's telemetry so far (one line per stored trial: where it ran, its attempt, the node faults before it), as the API streams it.</summary>
    public static async Task<IReadOnlyList<JsonElement>> Telemetry(string job, int httpPort)
    {
        using var http = LocalApi(httpPort);
        var text = await http.GetStringAsync($"/api/jobs/{job}/telemetry.jsonl");
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; a <see cref="TimeoutException"/> naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var end = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > end) throw new TimeoutException($"waited {timeout.TotalSeconds:F0} s for {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>The nodes a telemetry file says trials ran on, with how many each.</summary>
    public static Dictionary<string, int> TrainedPerNode(string telemetryFile) =>
        File.ReadAllLines(telemetryFile).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("node").GetString()!)
            .GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());

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
