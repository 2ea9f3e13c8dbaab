using LeeMl.Sweep.Tests;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// Three hosts with their own network stacks and addresses, all nodes on the same port 4053 as on
/// real machines, with TLS as off loopback they must be (certificates from <c>certs init</c>): a
/// coordinator and two workers, a sweep running on them, and the third host cut off the network
/// (not killed) while it trains. Set up once for the steps of <see cref="NetworkNamespaceTests"/>.
/// </summary>
public sealed class CutOffCluster : ScenarioCluster
{
    internal Namespaces Net { get; private set; } = null!;
    internal CliProcess Victim { get; private set; } = null!;
    internal CliProcess Submit { get; private set; } = null!;
    internal DateTime CutAt { get; private set; }

    public override async Task InitializeAsync()
    {
        Net = new Namespaces(3);
        var certs = Path.Combine(F.Dir, "certs");
        var init = F.Start("certs", "init", certs, "--hosts", string.Join(",", Enumerable.Range(1, 3).Select(Namespaces.Address)));
        Assert.True(init.WaitForExit(TimeSpan.FromSeconds(60)) && init.ExitCode == 0, init.Output);
        string[] NetworkNamespaceFlags = ["--tls-cert", Path.Combine(certs, "node.pfx"), "--tls-ca", Path.Combine(certs, "ca.crt")];
        string[] ClientFlags = ["--tls-cert", Path.Combine(certs, "client.pfx"), "--tls-ca", Path.Combine(certs, "ca.crt")];
        var seeds = $"{Namespaces.Address(1)}:4053,{Namespaces.Address(2)}:4053";
        var api = $"{Namespaces.Address(1)}:8053";
        CliProcess Node(int host, string roles) => F.StartIn(Net.Exec(host),
            ["node", "--roles", roles, "--host", Namespaces.Address(host), "--port", "4053", "--seed-nodes", seeds,
             "--slots", "1", "--db", Path.Combine(F.Dir, $"h{host}.db"), "--jobs-dir", Path.Combine(F.Dir, $"jobs{host}"),
             "--http-host", Namespaces.Address(1), .. NetworkNamespaceFlags]);
        Node(1, "coordinator");
        Node(2, "worker");
        Victim = Node(3, "worker");
        var spec = F.WriteSpec(FailureCluster.Spec);
        // Both workers registered before the job starts: on a loaded machine a node can take longer
        // to join than the job takes, and the victim would then never train.
        var end = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var status = F.StartIn(Net.Exec(1), ["status", "--cluster", api, "--timeout", "10", .. ClientFlags]);
            status.WaitForExit(TimeSpan.FromSeconds(30));
            if (status.Output.Contains($"{Namespaces.Address(2)}:4053 0 running", StringComparison.Ordinal) && status.Output.Contains($"{Namespaces.Address(3)}:4053 0 running", StringComparison.Ordinal)) break;
            Assert.True(DateTime.UtcNow < end, "the workers did not register:\n" + status.Output);
            await Task.Delay(500);
        }

        Submit = F.StartIn(Net.Exec(1), ["submit", spec, "--cluster", api, "--wait", "--out", Path.Combine(F.Dir, "out"), "--timeout", "10", .. ClientFlags]);
        await ClusterFixture.Until(async () =>
        {
            var status = F.StartIn(Net.Exec(1), ["status", "--cluster", api, "--timeout", "10", .. ClientFlags]);
            await Task.Run(() => status.WaitForExit(TimeSpan.FromSeconds(30)));
            return status.Output.Contains($"{Namespaces.Address(3)}:4053 1 running", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(120), "the third host training");
        Net.Cut(3);
        CutAt = DateTime.UtcNow;
    }

    public override Task DisposeAsync()
    {
        F.KillAll();   // processes first: a namespace with a process in it lingers
        Net?.Dispose();
        F.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// One worker is cut off the network without being killed: the cut-off node's split-brain resolver
/// downs it and it stops by itself, and the sweep completes on the majority.
/// </summary>
[Trait("Category", "Cluster")]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed class NetworkNamespaceTests(CutOffCluster cluster, ITestOutputHelper output) : IClassFixture<CutOffCluster>
{
    [Fact, Step(1)]
    public void The_cut_off_worker_is_downed_and_stops_itself()
    {
        var victim = cluster.Victim;
        Assert.True(victim.WaitForExit(TimeSpan.FromSeconds(60)), "the cut-off node did not stop itself:\n" + victim.Output);
        output.WriteLine($"cut-off node stopped itself {(DateTime.UtcNow - cluster.CutAt).TotalSeconds:F1} s after the cut (exit code {victim.ExitCode})");
        Assert.Equal(1, victim.ExitCode);
    }

    [Fact, Step(2)]
    public void The_sweep_completes_on_the_hosts_that_stay()
    {
        var submit = cluster.Submit;
        Assert.True(submit.WaitForExit(TimeSpan.FromMinutes(3)), "the sweep did not complete:\n" + submit.Output);
        Assert.True(submit.ExitCode == 0, submit.Output);
        Assert.Equal(64, File.ReadAllLines(Path.Combine(cluster.F.Dir, "out", "results.jsonl")).Length);
        Assert.Contains($"{Namespaces.Address(2)}:4053", ClusterFixture.TrainedPerNode(Path.Combine(cluster.F.Dir, "out", "telemetry.jsonl")).Keys);
    }
}
