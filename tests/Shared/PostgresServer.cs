using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LeeMl.Sweep.Tests;

/// <summary>
/// A throwaway PostgreSQL server for the tests: Debian's binaries (initdb, pg_ctl), run as the
/// postgres user, in a temporary folder, on a free port on 127.0.0.1, with a password (scram).
/// Stopped and deleted at the end. Each test gets a database of its own (<see cref="NewDatabase"/>).
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public const string User = "leeml";
    public const string Password = "leeml-test-password";

    private readonly string _root;
    private readonly string _data;
    private readonly string _bin;
    private int _databases;

    public int Port { get; }

    public PostgresServer() : this(durable: false) { }

    /// <summary>A server with fsync on, as in production (benchmarks); the tests run without it, for speed.</summary>
    public static PostgresServer Durable() => new(durable: true);

    private PostgresServer(bool durable)
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
              ?? throw new InvalidOperationException(RequiredTool.Missing("postgresql"))
            : throw new InvalidOperationException(RequiredTool.Missing("postgresql"));
        _root = Path.Combine(Path.GetTempPath(), $"leeml-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(_root);
        _data = Path.Combine(_root, "data");
        var pwfile = Path.Combine(_root, "pw");
        File.WriteAllText(pwfile, Password + "\n");
        Port = FreePorts.Next();
        if (IsRoot) Run("chown", "-R", "postgres:postgres", _root);
        AsPostgres(Path.Combine(_bin, "initdb"), "-D", _data, "-U", User, "--auth=scram-sha-256", "--pwfile", pwfile, "-E", "UTF8", "--no-sync");
        _options = $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync={(durable ? "on" : "off")} -c max_connections=200";
        Start();
    }

    private readonly string _options;

    /// <summary>Starts the server (again, after <see cref="Stop"/>), on the same port with the same data.</summary>
    public void Start() => AsPostgres(Path.Combine(_bin, "pg_ctl"), "-D", _data, "-l", Path.Combine(_root, "log"), "-w", "-t", "60", "-o", _options, "start");

    /// <summary>Stops the server as an outage would: connections are cut at once.</summary>
    public void Stop() => AsPostgres(Path.Combine(_bin, "pg_ctl"), "-D", _data, "-m", "immediate", "-w", "stop");

    /// <summary>A fresh, empty database; its address for --db.</summary>
    public string NewDatabase()
    {
        var name = $"t{Interlocked.Increment(ref _databases)}";
        var psql = Path.Combine(_bin, "psql");
        Run(psql, ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", User, "-d", "postgres", "-c", $"CREATE DATABASE {name}"],
            new() { ["PGPASSWORD"] = Password });
        return $"postgresql://{User}@127.0.0.1:{Port}/{name}";
    }

    private static bool IsRoot => Environment.UserName == "root";

    private void AsPostgres(string program, params string[] args)
    {
        if (IsRoot) Run("runuser", ["-u", "postgres", "--", program, .. args]);
        else Run(program, args);
    }

    private static void Run(string program, params string[] args) => Run(program, args, []);

    private static void Run(string program, string[] args, Dictionary<string, string> env)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120))) { p.Kill(true); throw new TimeoutException($"{program} did not finish"); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({p.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
    }

    public void Dispose()
    {
        try { AsPostgres(Path.Combine(_bin, "pg_ctl"), "-D", _data, "-m", "immediate", "-w", "stop"); }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException) { }
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
