using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// Three hosts with their own network stacks and addresses, all nodes on the same port 4053 as on
/// real machines. One worker is cut off the network without being killed: the sweep completes on
/// the majority, and the cut-off node's split-brain resolver downs it and it stops by itself.
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
        var seeds = $"{Namespaces.Address(1)}:4053,{Namespaces.Address(2)}:4053";
        NodeProcess Node(int host, string roles) => _f.StartIn(_net.Exec(host),
            "node", "--roles", roles, "--host", Namespaces.Address(host), "--port", "4053", "--seed-nodes", seeds,
            "--slots", "1", "--db", Path.Combine(_f.Dir, $"h{host}.db"), "--log-trials");
        Node(1, "coordinator");
        var worker = Node(2, "worker");
        var victim = Node(3, "worker");
        var spec = _f.WriteSpec(WorkerFailureTests.Spec);
        // Both workers registered before the job starts: on a loaded machine a node can take longer
        // to join than the job takes, and the victim would then never train.
        var end = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var status = _f.StartIn(_net.Exec(1), "status", "--cluster", $"{Namespaces.Address(1)}:4053", "--client-host", Namespaces.Address(1), "--timeout", "10");
            status.WaitForExit(TimeSpan.FromSeconds(30));
            if (status.Output.Contains(Namespaces.Address(2), StringComparison.Ordinal) && status.Output.Contains(Namespaces.Address(3), StringComparison.Ordinal)) break;
            Assert.True(DateTime.UtcNow < end, "the workers did not register:\n" + status.Output);
            await Task.Delay(500);
        }

        var submit = _f.StartIn(_net.Exec(1), "submit", spec, "--cluster", $"{Namespaces.Address(1)}:4053", "--client-host", Namespaces.Address(1),
            "--wait", "--out", Path.Combine(_f.Dir, "out"), "--timeout", "60");
        await victim.WaitFor(o => o.Split('\n').Count(l => l.StartsWith("done ", StringComparison.Ordinal)) >= 2, TimeSpan.FromSeconds(120), "the third host training");
        _net.Cut(3);
        var cutAt = DateTime.UtcNow;

        Assert.True(victim.WaitForExit(TimeSpan.FromSeconds(60)), "the cut-off node did not stop itself:\n" + victim.Output);
        output.WriteLine($"cut-off node stopped itself {(DateTime.UtcNow - cutAt).TotalSeconds:F1} s after the cut");
        Assert.True(submit.WaitForExit(TimeSpan.FromMinutes(3)), "the sweep did not complete:\n" + submit.Output);
        Assert.True(submit.ExitCode == 0, submit.Output);
        Assert.Equal(48, File.ReadAllLines(Path.Combine(_f.Dir, "out", "results.jsonl")).Length);
        Assert.Contains(worker.Lines, l => l.StartsWith("done ", StringComparison.Ordinal));
    }
}
