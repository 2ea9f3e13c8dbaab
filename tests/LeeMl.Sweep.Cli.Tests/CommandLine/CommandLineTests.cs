using LeeMl.Sweep.Server.Security;
using System.Diagnostics;

namespace LeeMl.Sweep.Cli.Tests.CommandLine;

/// <summary>The .NET command-line conventions, as a user meets them: the real program in its own process.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string TinySpec = """
        name: tiny
        data: { synthetic: blobs, samples: 300, features: 4, seed: 1 }
        models: [logistic, gaussian-shared]
        epochs: 2
        seeds: [1]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 } ]
        """;

    [Fact]
    public void Option_equals_value_works_and_a_response_file_stands_for_its_arguments()
    {
        var spec = Path.Combine(_dir, "tiny.yaml");
        File.WriteAllText(spec, TinySpec);
        var outDir = Path.Combine(_dir, "out");
        var r = CliRunner.Process(_dir, "run", spec, $"--out={outDir}", "--slots=1");
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(outDir, "results.jsonl")).Length);

        var rsp = Path.Combine(_dir, "plan.rsp");
        File.WriteAllText(rsp, $"plan\n{spec}\n--count\n");
        var plan = CliRunner.Process(_dir, "@" + rsp);
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        Assert.Equal("2 trials in sweep 'tiny' on blobs(features=4, samples=300, seed=1)", plan.Stdout.Trim());
    }

    [Fact]
    public void A_mistyped_command_or_option_gets_a_suggestion_and_exit_code_2()
    {
        var command = CliRunner.Process(_dir, "rnu");
        Assert.Equal(2, command.ExitCode);
        Assert.StartsWith("leeml-sweep: unknown command 'rnu'; did you mean 'run'?", command.Stderr);
        var option = CliRunner.Process(_dir, "run", "--otu", "x");
        Assert.Equal(2, option.ExitCode);
        Assert.StartsWith("leeml-sweep run: unknown option '--otu'; did you mean '--out'?", option.Stderr);
        Assert.Equal("", option.Stdout);
    }

    [Fact]
    public void Version_prints_the_version()
    {
        var r = CliRunner.Process(_dir, "--version");
        Assert.Equal(0, r.ExitCode);
        var expected = typeof(LeeMl.Sweep.Cli.CommandLine.CliApp).Assembly.GetName().Version!;
        Assert.StartsWith($"{expected.Major}.{expected.Minor}.{expected.Build}", r.Stdout.Trim());
    }

    [Fact]
    public void Help_is_named_after_the_program()
    {
        var r = CliRunner.Process(_dir, "run", "-h");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("leeml-sweep run [<SPEC>] [options]", r.Stdout);
        Assert.Contains("--out <DIR>", r.Stdout);
    }

    /// <summary>The script from <c>completion bash</c>, loaded in a real bash, completes <c>leeml-sweep run --o</c>.</summary>
    [Fact]
    public void Bash_completion_completes_run_dash_dash_o_to_dash_dash_out()
    {
        var bin = Path.Combine(_dir, "bin");
        Directory.CreateDirectory(bin);
        var launcher = Path.Combine(bin, "leeml-sweep");
        File.WriteAllText(launcher, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "leeml-sweep.dll")}' \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var script = CliRunner.Process(_dir, "completion", "bash");
        Assert.Equal(0, script.ExitCode);
        var scriptFile = Path.Combine(_dir, "completion.bash");
        File.WriteAllText(scriptFile, script.Stdout);

        string Complete(string line)
        {
            var words = line.Split(' ');
            var probe = $"""
                source '{scriptFile}'
                COMP_LINE='{line}'; COMP_POINT={line.Length}; COMP_WORDS=({string.Join(' ', words.Select(w => $"'{w}'"))}); COMP_CWORD={words.Length - 1}
                _leeml_sweep_complete
                printf '%s\n' "${"{"}COMPREPLY[@]{"}"}"
                """;
            var psi = new ProcessStartInfo("bash", ["-c", probe]) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return output.Trim();
        }

        Assert.Equal("--out", Complete("leeml-sweep run --o"));
        Assert.Contains("submit", Complete("leeml-sweep su").Split('\n'));
    }

    [Fact]
    public void Off_loopback_without_tls_a_node_and_a_client_refuse_to_start_unless_insecure_which_warns()
    {
        var node = CliRunner.InProcess("node", "--roles", "worker", "--host", "0.0.0.0", "--seed-nodes", "127.0.0.1:4053");
        Assert.Equal(2, node.ExitCode);
        Assert.StartsWith("leeml-sweep node: --host 0.0.0.0 is not a loopback address", node.Stderr);
        Assert.Contains("give --tls-cert and --tls-ca (leeml-sweep certs init DIR --hosts ... makes them), or --insecure", node.Stderr);
        var seeds = CliRunner.InProcess("node", "--roles", "worker", "--seed-nodes", "10.1.2.3:4053");
        Assert.Equal(2, seeds.ExitCode);
        Assert.Contains("--seed-nodes 10.1.2.3 is not a loopback address", seeds.Stderr);
        var client = CliRunner.InProcess("status", "--cluster", "10.1.2.3:8053");
        Assert.Equal(2, client.ExitCode);
        Assert.Contains("--cluster 10.1.2.3 is not a loopback address", client.Stderr);
        // --insecure: allowed, with a warning (0.0.0.0 reaches this machine, where nothing listens on port 9).
        var insecure = CliRunner.InProcess("status", "--cluster", "0.0.0.0:9", "--insecure");
        Assert.Equal(1, insecure.ExitCode);
        Assert.StartsWith("warning: --insecure: this client runs without TLS", insecure.Stderr);
    }

    [Fact]
    public void A_dashboard_on_a_network_address_without_tls_exits_2_for_node_and_run()
    {
        var node = CliRunner.InProcess("node", "--roles", "coordinator", "--http", "18099", "--http-host", "0.0.0.0", "--seed-nodes", "127.0.0.1:4053");
        Assert.Equal(2, node.ExitCode);
        Assert.StartsWith("leeml-sweep node: --http-host 0.0.0.0 is not a loopback address", node.Stderr);
        var dir = Directory.CreateTempSubdirectory("leeml-run-host-").FullName;
        try
        {
            var run = CliRunner.InProcess("run", "--http", "18099", "--http-host", "0.0.0.0", "--out", Path.Combine(dir, "out"));
            Assert.Equal(2, run.ExitCode);
            Assert.StartsWith("leeml-sweep run: --http-host 0.0.0.0 is not a loopback address, and run serves without TLS", run.Stderr);
            Assert.False(Directory.Exists(Path.Combine(dir, "out")), "nothing is written");
            var badPort = CliRunner.InProcess("run", "--http", "80000", "--out", Path.Combine(dir, "out"));
            Assert.Equal(2, badPort.ExitCode);
            Assert.StartsWith("leeml-sweep run: --http '80000' is not a port (1-65535)", badPort.Stderr);
            using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            taken.Start();
            var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var inUse = CliRunner.InProcess("run", "--http", port, "--out", Path.Combine(dir, "out"));
            Assert.Equal(2, inUse.ExitCode);
            Assert.StartsWith($"leeml-sweep run: --http {port}: address in use", inUse.Stderr);
            Assert.False(Directory.Exists(Path.Combine(dir, "out")), "nothing is written");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_port_in_use_makes_node_exit_2_with_address_in_use()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Server.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.ReuseAddress, true);   // as the remoting listens
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var r = CliRunner.InProcess("node", "--roles", "worker", "--port", port, "--seed-nodes", $"127.0.0.1:{port}");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"leeml-sweep node: --port {port}: address in use: something already listens on 127.0.0.1:{port}", r.Stderr);
    }

    [Fact]
    public void Certs_init_writes_owner_only_files_never_overwrites_them_and_certs_client_adds_one()
    {
        var dir = Path.Combine(_dir, "certs");
        var init = CliRunner.InProcess("certs", "init", dir, "--hosts", "node1,10.0.0.5");
        Assert.True(init.ExitCode == 0, init.Stderr);
        foreach (var file in new[] { "ca.crt", "ca.key", "node.pfx", "client.pfx" })
            if (!OperatingSystem.IsWindows())   // owner-only is a Unix file mode
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, file)));
        var again = CliRunner.InProcess("certs", "init", dir, "--hosts", "x");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("exists already", again.Stderr);
        var node = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(dir, "node.pfx"), null);
        Assert.Equal(LeeMl.Sweep.Cluster.Security.CertificateRole.Node, LeeMl.Sweep.Cluster.Security.ClusterCertificates.RoleOf(node));
        var added = CliRunner.InProcess("certs", "client", dir, "--password", "pw");
        Assert.True(added.ExitCode == 0, added.Stderr);
        var client = new LeeMl.Sweep.Cluster.Security.TlsOptions(Path.Combine(dir, "client-2.pfx"), "pw", Path.Combine(dir, "ca.crt")).Load(LeeMl.Sweep.Cluster.Security.CertificateRole.Client);
        Assert.Equal(LeeMl.Sweep.Cluster.Security.CertificateRole.Client, LeeMl.Sweep.Cluster.Security.ClusterCertificates.RoleOf(client.Certificate));
        var wrong = CliRunner.InProcess("status", "--cluster", "127.0.0.1:9", "--tls-cert", Path.Combine(dir, "client-2.pfx"), "--tls-password", "nope", "--tls-ca", Path.Combine(dir, "ca.crt"));
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("the password (--tls-password, LEEML_TLS_PASSWORD) is wrong", wrong.Stderr);
        var swapped = CliRunner.InProcess("node", "--roles", "worker", "--seed-nodes", "127.0.0.1:4053", "--tls-cert", Path.Combine(dir, "ca.crt"), "--tls-ca", Path.Combine(dir, "ca.crt"));
        Assert.Equal(2, swapped.ExitCode);
        Assert.Contains("not a PKCS#12 (.pfx) file", swapped.Stderr);

        // An access token: the token alone on stdout (for scripts), how to use it on stderr; it verifies with ca.crt.
        var token = CliRunner.InProcess("certs", "token", dir, "--name", "alice", "--days", "7");
        Assert.True(token.ExitCode == 0, token.Stderr);
        var authority = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dir, "ca.crt"));
        var claims = AccessTokens.Verify(token.Stdout.Trim(), authority, AccessTokens.DefaultCluster, DateTimeOffset.UtcNow, out var refusal);
        Assert.True(claims is not null, refusal);
        Assert.Equal(("alice", TokenRole.Viewer), (claims.Name, claims.Role));
        Assert.Contains("viewer (read-only) token for alice", token.Stderr);
        var tooLong = CliRunner.InProcess("certs", "token", dir, "--days", "1000");
        Assert.Equal(2, tooLong.ExitCode);
        Assert.Contains("--days = 1000 must be from 1 to 365", tooLong.Stderr);
    }
}
