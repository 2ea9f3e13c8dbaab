using System.Security.Cryptography;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>A temporary folder, the processes started in it (all killed at the end), and helpers.</summary>
internal sealed class ClusterFixture : IDisposable
{
    private readonly List<NodeProcess> _processes = [];

    public string Dir { get; } = Directory.CreateTempSubdirectory("leeml-cluster-").FullName;

    /// <summary>48 quick trials: 2 models × 2 optimizers × 2 schedules × 2 warm-ups × 3 seeds.</summary>
    public const string Spec48 = """
        name: cluster-test
        data: { synthetic: blobs, samples: 1500, features: 8, seed: 3 }
        validation: 0.2
        models: [logistic, { name: mlp, hidden: 32 }]
        epochs: 15
        batch_size: 32
        seeds: [1, 2, 3]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
          schedule: [ { name: cyclic, step_size_up: 100 }, { name: one-cycle } ]
          warmup: [ none, { steps: 50 } ]
        """;

    public string WriteSpec(string text, string name = "spec.yaml")
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    public NodeProcess Start(params string[] args) => StartIn([], args);

    /// <summary>A process started through <paramref name="prefix"/> (e.g. inside a network namespace).</summary>
    public NodeProcess StartIn(string[] prefix, params string[] args)
    {
        var p = new NodeProcess(Dir, prefix, args);
        _processes.Add(p);
        return p;
    }

    /// <summary>A node of a loopback cluster; the first seed is the coordinator.</summary>
    public NodeProcess Node(string roles, int port, IEnumerable<int> seeds, int slots = 1, string db = "coord.db") =>
        Start("node", "--roles", roles, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--seed-nodes", string.Join(",", seeds.Select(s => $"127.0.0.1:{s}")), "--slots", slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--db", Path.Combine(Dir, db), "--log-trials");

    /// <summary>Waits until the cluster reports <paramref name="workers"/> worker nodes.</summary>
    public static async Task WaitForWorkers(int gatewayPort, int workers, TimeSpan timeout, TlsOptions? tls = null)
    {
        await using var client = SweepClient.Connect($"127.0.0.1:{gatewayPort}", tls: tls);
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            try
            {
                var report = await client.Ask<StatusReport>(new GetStatus(null), TimeSpan.FromSeconds(5));
                if (report.Nodes.Count >= workers) return;
            }
            catch (Exception e) when (e is Akka.Actor.AskTimeoutException or TimeoutException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{workers} workers did not register within {timeout}");
    }

    /// <summary>One job's status, or null while no coordinator answers (it is down, or restarting).</summary>
    public static async Task<JobStatus?> TryStatus(SweepClient client, string job)
    {
        try { return (await client.Ask<StatusReport>(new GetStatus(job), TimeSpan.FromSeconds(3))).Jobs.SingleOrDefault(); }
        catch (Exception e) when (e is Akka.Actor.AskTimeoutException or TimeoutException) { return null; }
    }

    public static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

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
