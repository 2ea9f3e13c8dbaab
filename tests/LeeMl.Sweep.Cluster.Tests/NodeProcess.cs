using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>A real leeml-sweep process (a cluster node, or one CLI command) with its output captured.</summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public NodeProcess(string workingDirectory, params string[] args) : this(workingDirectory, [], args, new Dictionary<string, string?>()) { }

    /// <summary>With a <paramref name="prefix"/> such as <c>ip netns exec NS</c>: the program runs inside it. A null value removes a variable.</summary>
    public NodeProcess(string workingDirectory, string[] prefix, string[] args, IReadOnlyDictionary<string, string?> environment)
    {
        var command = prefix.Concat(["dotnet", Path.Combine(AppContext.BaseDirectory, "leeml-sweep.dll")]).Concat(args).ToArray();
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment)
            if (value is null) psi.Environment.Remove(name); else psi.Environment[name] = value;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>SIGKILL: no graceful leave, no flush.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGSTOP / SIGCONT: the process freezes where it is, sending nothing, until it is continued.</summary>
    public void Freeze() => Signal("-STOP");

    public void Thaw() => Signal("-CONT");

    private void Signal(string signal) => Process.Start("kill", [signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <summary>SIGTERM: the node runs its coordinated shutdown.</summary>
    public void Terminate() => Signal("-TERM");

    /// <summary>Waits for the process to exit and, once it has, for its last output lines: the
    /// overload with a timeout returns before the asynchronous readers have drained the pipes.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit();
        return true;
    }

    public async Task WaitFor(Func<string, bool> condition, TimeSpan timeout, string what)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            if (condition(Output)) return;
            if (_process.HasExited) throw new InvalidOperationException($"process exited ({_process.ExitCode}) before {what}:\n{Output}");
            await Task.Delay(100);
        }
        throw new TimeoutException($"no {what} within {timeout}:\n{Output}");
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
    }

    public static int FreePort() => LeeMl.Sweep.Tests.FreePorts.Next();
}
