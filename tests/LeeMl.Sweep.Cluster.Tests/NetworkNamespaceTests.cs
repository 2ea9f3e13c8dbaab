using LeeMl.Sweep.Tests;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// Three hosts with their own network stacks and addresses, all nodes on the same port 4053 as on
/// real machines, with TLS as off loopback they must be (certificates from <c>certs init</c>). One
/// worker is cut off the network without being killed: the sweep completes on the majority, and
/// the cut-off node's split-brain resolver downs it and it stops by itself.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class NetworkNamespaceTests(ITestOutputHelper output) : IDisposable
{
    private readonly ClusterFixture _f = new();
    private Namespaces? _net;

    public void Dispose()
    {
        _f.KillAll();   // processes first: a namespace with a process in it lingers
        _net?.Dispose();
        _f.Dispose();
    }

    [Fact]
    public async Task A_cut_off_worker_stops_itself_and_the_sweep_completes_on_the_others()
    {
        _net = new Namespaces(3);
        var certs = Path.Combine(_f.Dir, "certs");
        var init = _f.Start("certs", "init", certs, "--hosts", string.Join(",", Enumerable.Range(1, 3).Select(Namespaces.Address)));
        Assert.True(init.WaitForExit(TimeSpan.FromSeconds(60)) && init.ExitCode == 0, init.Output);
        string[] NetworkNamespaceFlags = ["--tls-cert", Path.Combine(certs, "node.pfx"), "--tls-ca", Path.Combine(certs, "ca.crt")];
        string[] ClientFlags = ["--tls-cert", Path.Combine(certs, "client.pfx"), "--tls-ca", Path.Combine(certs, "ca.crt")];
        var seeds = $"{Namespaces.Address(1)}:4053,{Namespaces.Address(2)}:4053";
        var api = $"{Namespaces.Address(1)}:8053";
        CliProcess Node(int host, string roles) => _f.StartIn(_net.Exec(host),
            ["node", "--roles", roles, "--host", Namespaces.Address(host), "--port", "4053", "--seed-nodes", seeds,
             "--slots", "1", "--db", Path.Combine(_f.Dir, $"h{host}.db"), "--jobs-dir", Path.Combine(_f.Dir, $"jobs{host}"),
             "--http-host", Namespaces.Address(1), "--log-trials", .. NetworkNamespaceFlags]);
        Node(1, "coordinator");
        var worker = Node(2, "worker");
        var victim = Node(3, "worker");
        var spec = _f.WriteSpec(FailureTests.Spec);
        // Both workers registered before the job starts: on a loaded machine a node can take longer
        // to join than the job takes, and the victim would then never train.
        var end = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var status = _f.StartIn(_net.Exec(1), ["status", "--cluster", api, "--timeout", "10", .. ClientFlags]);
            status.WaitForExit(TimeSpan.FromSeconds(30));
            if (status.Output.Contains($"{Namespaces.Address(2)}:4053 0 running", StringComparison.Ordinal) && status.Output.Contains($"{Namespaces.Address(3)}:4053 0 running", StringComparison.Ordinal)) break;
            Assert.True(DateTime.UtcNow < end, "the workers did not register:\n" + status.Output);
            await Task.Delay(500);
        }

        var submit = _f.StartIn(_net.Exec(1), ["submit", spec, "--cluster", api, "--wait", "--out", Path.Combine(_f.Dir, "out"), "--timeout", "10", .. ClientFlags]);
        await victim.WaitFor(_ => ClusterFixture.Logged(victim, "done").Count() >= 2, TimeSpan.FromSeconds(120), "the third host training");
        _net.Cut(3);
        var cutAt = DateTime.UtcNow;

        Assert.True(victim.WaitForExit(TimeSpan.FromSeconds(60)), "the cut-off node did not stop itself:\n" + victim.Output);
        output.WriteLine($"cut-off node stopped itself {(DateTime.UtcNow - cutAt).TotalSeconds:F1} s after the cut (exit code {victim.ExitCode})");
        Assert.Equal(1, victim.ExitCode);
        Assert.True(submit.WaitForExit(TimeSpan.FromMinutes(3)), "the sweep did not complete:\n" + submit.Output);
        Assert.True(submit.ExitCode == 0, submit.Output);
        Assert.Equal(96, File.ReadAllLines(Path.Combine(_f.Dir, "out", "results.jsonl")).Length);
        Assert.NotEmpty(ClusterFixture.Logged(worker, "done"));
    }
}
