using System.Diagnostics;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// Separate "machines" on this one: a Linux network namespace per host, each with its own eth0
/// and address, joined by a bridge that lives in a namespace of its own (nothing is configured in
/// the root namespace). Made and removed by the test; needs root, as CI has.
/// </summary>
internal sealed class Namespaces : IDisposable
{
    private readonly string _prefix = $"lsw{Environment.ProcessId % 100000}";
    private readonly List<string> _made = [];

    public string Bridge => $"{_prefix}-br";

    public string Host(int i) => $"{_prefix}-h{i}";

    public static string Address(int i) => $"10.211.0.{i}";

    public Namespaces(int hosts)
    {
        Run("ip", "netns", "add", Bridge);
        _made.Add(Bridge);
        Run("ip", "-n", Bridge, "link", "add", "br0", "type", "bridge");
        Run("ip", "-n", Bridge, "link", "set", "br0", "up");
        for (var i = 1; i <= hosts; i++)
        {
            Run("ip", "netns", "add", Host(i));
            _made.Add(Host(i));
            Run("ip", "link", "add", "eth0", "netns", Host(i), "type", "veth", "peer", "name", $"v{i}", "netns", Bridge);
            Run("ip", "-n", Host(i), "addr", "add", $"{Address(i)}/24", "dev", "eth0");
            Run("ip", "-n", Host(i), "link", "set", "eth0", "up");
            Run("ip", "-n", Host(i), "link", "set", "lo", "up");
            Run("ip", "-n", Bridge, "link", "set", $"v{i}", "master", "br0");
            Run("ip", "-n", Bridge, "link", "set", $"v{i}", "up");
        }
    }

    /// <summary>Pulls host <paramref name="i"/>'s cable: the process keeps running, cut off from everyone.</summary>
    public void Cut(int i) => Run("ip", "-n", Bridge, "link", "set", $"v{i}", "down");

    /// <summary>The arguments that run a command inside host <paramref name="i"/>.</summary>
    public string[] Exec(int i, params string[] command) => ["ip", "netns", "exec", Host(i), .. command];

    private static void Run(params string[] args)
    {
        var psi = new ProcessStartInfo(args[0]) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args.Skip(1)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', args)}: {p.StandardError.ReadToEnd()}");
    }

    public void Dispose()
    {
        foreach (var ns in Enumerable.Reverse(_made))
        {
            try { Run("ip", "netns", "del", ns); } catch (InvalidOperationException) { }
        }
    }
}
