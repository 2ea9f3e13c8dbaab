using System.Diagnostics;
using System.Text;

namespace LeeMl.Sweep.Tests;

/// <summary>
/// The one way tests and benchmarks start a program: <c>dotnet PROGRAM ARGS</c> — by default the
/// built leeml-sweep.dll (a cluster node, or one command) — as a real child process, with its
/// standard output and error captured line by line as they come (a full pipe never stops it).
/// </summary>
public sealed class CliProcess : IDisposable
{
    /// <summary>What a finished command left: its exit code and both streams.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>The leeml-sweep program built beside the tests (or the benchmarks).</summary>
    public static string Cli => Path.Combine(AppContext.BaseDirectory, "leeml-sweep.dll");

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    public CliProcess(string workingDirectory, params string[] args) : this(workingDirectory, [], args, new Dictionary<string, string?>()) { }

    /// <summary>With a <paramref name="prefix"/> such as <c>ip netns exec NS</c>: the program runs inside it. A null value removes a variable.</summary>
    public CliProcess(string workingDirectory, string[] prefix, string[] args, IReadOnlyDictionary<string, string?> environment, string? program = null)
    {
        var command = prefix.Concat(["dotnet", program ?? Cli]).Concat(args).ToArray();
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment)
            if (value is null) psi.Environment.Remove(name); else psi.Environment[name] = value;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Runs a command to its end (killed after <paramref name="timeout"/>, two minutes by default).</summary>
    public static Result Run(string workingDirectory, string[] args, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null, string? program = null)
    {
        using var p = new CliProcess(workingDirectory, [], args, environment ?? new Dictionary<string, string?>(), program);
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            p.Kill();
            throw new TimeoutException($"{Path.GetFileName(program ?? Cli)} {string.Join(' ', args)} did not finish");
        }
        return new Result(p.ExitCode, p.Stdout, p.Stderr);
    }

    private void Append(StringBuilder stream, string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            stream.AppendLine(line);
            _output.AppendLine(line);
        }
    }

    /// <summary>Standard output and error together, in the order the lines arrived.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public string Stdout
    {
        get { lock (_output) return _stdout.ToString(); }
    }

    public string Stderr
    {
        get { lock (_output) return _stderr.ToString(); }
    }

    public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The most memory the process has held so far (the kernel's high-water mark of its resident set).</summary>
    public long PeakMemoryBytes
    {
        get
        {
            _process.Refresh();
            return _process.PeakWorkingSet64;
        }
    }

    public TimeSpan ProcessorTime => _process.TotalProcessorTime;

    /// <summary>SIGKILL: no graceful leave, no flush.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGSTOP / SIGCONT: the process freezes where it is, sending nothing, until it is continued.</summary>
    public void Freeze() => Signal("-STOP");

    public void Thaw() => Signal("-CONT");

    private void Signal(string signal) => Process.Start("kill", [signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <summary>SIGTERM: a node runs its coordinated shutdown.</summary>
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
}
