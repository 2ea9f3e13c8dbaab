using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace LeeMl.Sweep.Experiments.Programs;

/// <summary>
/// One trial's program as an OS process tree. It starts in a session and process group of its own
/// (setsid), dies with the worker (a parent-death signal), optionally as another user and with
/// limits (setpriv, prlimit), with line-buffered C output (coreutils' libstdbuf, preloaded). Every process of the trial
/// inherits a cookie in its environment, so even one that leaves the group with a session of its
/// own is found and killed: stopping sends SIGTERM to the group, waits the grace period, then
/// kills the group and every process with the cookie.
/// </summary>
public sealed class ProgramProcess : IDisposable
{
    public const int SigKill = 9, SigTerm = 15, SigCont = 18, SigStop = 19;
    public const string CookieVariable = "LEEML_TRIAL_COOKIE";

    private static readonly string[] Tools = ["/usr/bin/setsid", "/usr/bin/setpriv", "/usr/bin/prlimit"];

    /// <summary>What coreutils' stdbuf preloads to make C programs' output line-buffered: set in the environment directly, one exec fewer per trial.</summary>
    private const string LineBuffering = "/usr/libexec/coreutils/libstdbuf.so";

    private readonly Process _process;
    private readonly OutputPump _stdout, _stderr;
    private readonly object _gate = new();

    /// <summary>The trial's cookie: the value of <see cref="CookieVariable"/> in each of its processes.</summary>
    public string Cookie { get; }

    public int Pid { get; }

    /// <summary>Set once the worker has sent the group a signal that ends it (stop, cancel, timeout).</summary>
    public bool StoppedByWorker { get; private set; }

    private ProgramProcess(Process process, string cookie, Action<string> onLine)
    {
        (_process, Cookie, Pid) = (process, cookie, process.Id);
        process.StandardInput.Close();   // a program that reads its input gets its end at once
        _stdout = new OutputPump(process.StandardOutput.BaseStream, onLine, $"trial-out-{Pid}");
        _stderr = new OutputPump(process.StandardError.BaseStream, onLine, $"trial-err-{Pid}");
    }

    /// <summary>The tools this needs, missing on this machine (util-linux and coreutils).</summary>
    public static IReadOnlyList<string> MissingTools() => [.. Tools.Where(t => !File.Exists(t))];

    /// <summary>Starts <paramref name="command"/> in <paramref name="folder"/> with exactly <paramref name="env"/> (and the cookie); each output line goes to <paramref name="onLine"/>.</summary>
    public static ProgramProcess Start(IReadOnlyList<string> command, IReadOnlyDictionary<string, string> env, string folder, ProgramHost host, Action<string> onLine)
    {
        if (MissingTools() is { Count: > 0 } missing) throw new IOException($"this worker lacks {string.Join(", ", missing)} (util-linux, coreutils), which program trials need");
        var cookie = $"{Environment.ProcessId}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12))}";
        var start = new ProcessStartInfo("/usr/bin/setsid")
        {
            WorkingDirectory = folder, UseShellExecute = false,
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment.Clear();
        foreach (var (k, v) in env) start.Environment[k] = v;
        start.Environment[CookieVariable] = cookie;
        if (File.Exists(LineBuffering) && !env.ContainsKey("LD_PRELOAD"))
        {
            start.Environment["LD_PRELOAD"] = LineBuffering;
            start.Environment["_STDBUF_O"] = "L";
            start.Environment["_STDBUF_E"] = "L";
        }
        var words = start.ArgumentList;
        // setpriv: killed when the worker's slot thread goes (a worker that is SIGKILLed leaves no trial running).
        words.Add("/usr/bin/setpriv");
        words.Add("--pdeathsig=KILL");
        if (host.RunAs is { } user)
        {
            words.Add($"--reuid={user}");
            words.Add($"--regid={UserGroup(user)}");
            words.Add("--init-groups");
        }
        words.Add("--");
        var limits = host.Limits;
        words.Add("/usr/bin/prlimit");
        words.Add($"--nofile={limits.OpenFiles}:{limits.OpenFiles}");
        words.Add($"--nproc={limits.Processes}:{limits.Processes}");
        if (limits.MemoryBytes is { } bytes) words.Add($"--data={bytes}:{bytes}");
        words.Add("--");
        foreach (var w in command) words.Add(w);
        var process = Process.Start(start) ?? throw new IOException("the program did not start");
        return new ProgramProcess(process, cookie, onLine);
    }

    private static string UserGroup(string user)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var f = line.Split(':');
            if (f.Length > 3 && f[0] == user) return f[3];
        }
        throw new IOException($"--run-as {user}: no such user on this worker");
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code; a process ended by signal N reads 128 + N.</summary>
    public int ExitCode => _process.ExitCode;

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>Waits for both outputs to end (a grandchild that keeps them open is stopped with the group).</summary>
    public bool WaitForOutput(TimeSpan timeout) => _stdout.Join(timeout) & _stderr.Join(TimeSpan.FromMilliseconds(10));

    /// <summary>Suspends the whole group (a trial paused at a rung gives its CPU back).</summary>
    public void Pause() => Signal(SigStop);

    public void Resume() => Signal(SigCont);

    private void Signal(int signal)
    {
        lock (_gate) _ = kill(-Pid, signal);
    }

    /// <summary>
    /// Ends the trial's processes: SIGTERM to the group (and to escaped processes with the cookie),
    /// up to <paramref name="grace"/> for them to go, then SIGKILL to all. Returns once none is left.
    /// </summary>
    public void Stop(TimeSpan grace)
    {
        StoppedByWorker = true;
        SignalAll(SigTerm);
        Signal(SigCont);   // a paused group must run to handle its SIGTERM
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < grace && Alive()) Thread.Sleep(20);
        for (var round = 0; round < 50 && Alive(); round++)
        {
            SignalAll(SigKill);
            Thread.Sleep(20);
        }
        _process.WaitForExit(TimeSpan.FromSeconds(5));
    }

    /// <summary>Any process of the trial left: the program itself, one of its group, or one with its cookie.</summary>
    private bool Alive() => !_process.HasExited || kill(-Pid, 0) == 0 || Escaped(Cookie).Count > 0;

    private void SignalAll(int signal)
    {
        Signal(signal);
        foreach (var pid in Escaped(Cookie)) _ = kill(pid, signal);
    }

    /// <summary>The live processes (not zombies) whose environment holds <paramref name="cookie"/>.</summary>
    public static List<int> Escaped(string cookie)
    {
        var found = new List<int>();
        var needle = Encoding.ASCII.GetBytes($"{CookieVariable}={cookie}\0");
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
                if (environ.AsSpan().IndexOf(needle) < 0) continue;
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var state = stat[(stat.LastIndexOf(')') + 2)..];
                if (!state.StartsWith('Z')) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }   // gone meanwhile, or not ours to read
        }
        return found;
    }

    public void Dispose()
    {
        if (Alive()) Stop(TimeSpan.Zero);
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
