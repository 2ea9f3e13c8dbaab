using System.Diagnostics;
using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Cli.Tests.Deploy;

public sealed class DeploymentTests
{
    private static (int Code, string Output) Compose(params string[] args)
    {
        var psi = new ProcessStartInfo(RequiredTool.OnPath("docker-compose", "docker-compose")) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        foreach (var a in new[] { "-f", "docker-compose.yml" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    [Fact]
    public void Docker_compose_file_is_valid_with_postgres_two_coordinators_and_scalable_workers()
    {
        var (code, output) = Compose("config");
        Assert.True(code == 0, output);
        var services = Compose("config", "--services").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("postgres", services);
        Assert.Contains("coordinator", services);
        Assert.Contains("coordinator2", services);
        Assert.Contains("worker", services);
        var flat = System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " ");
        Assert.Contains("--db postgresql://leeml@postgres:5432/sweeps", flat);
        // A service that scales cannot have a fixed host name, container name or host port.
        var worker = output[output.IndexOf("\n  worker:", StringComparison.Ordinal)..];
        worker = worker[..(worker.IndexOf("\n  ", 2, StringComparison.Ordinal) is var end and > 0 ? end : worker.Length)];
        Assert.DoesNotContain("hostname:", worker);
        Assert.DoesNotContain("container_name:", worker);
        Assert.Contains("--seed-nodes coordinator:4053,coordinator2:4053", flat);
        Assert.Contains("stop_grace_period", output);
        // Secure by default: every node listens on 0.0.0.0, so every node and client service carries the cluster's certificates.
        foreach (var service in new[] { "coordinator", "coordinator2", "worker", "submit" })
        {
            var block = Service(output, service);
            Assert.Contains("LEEML_TLS_CERT: /certs/", block);
            Assert.Contains("LEEML_TLS_CA: /certs/ca.crt", block);
            Assert.Contains("service_completed_successfully", block);
        }
        Assert.DoesNotContain("--insecure", flat);
        Assert.Contains("certs init /certs --hosts coordinator,coordinator2,localhost", flat);
    }

    /// <summary>One service's block of `docker-compose config`.</summary>
    private static string Service(string config, string name)
    {
        var start = config.IndexOf($"\n  {name}:\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no service {name}");
        var block = config[(start + 1)..];
        var end = System.Text.RegularExpressions.Regex.Match(block[1..], @"\n  [a-z0-9-]+:\n|\n[a-z]");
        return end.Success ? block[..(end.Index + 1)] : block;
    }

    [Fact]
    public void Compose_and_systemd_run_node_commands_the_program_accepts()
    {
        var commands = File.ReadAllText(Path.Combine(RepoPaths.Root, "docker-compose.yml")) + File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "systemd", "leeml-sweep-node.service"));
        foreach (var option in new[] { "--roles", "--host", "--public-host", "--port", "--seed-nodes", "--db", "LEEML_TLS_CERT", "--tls-cert" })
            Assert.Contains(option, commands);
        var help = CliRunner.InProcess("node", "--help").Stdout;
        foreach (var option in new[] { "--roles", "--host", "--public-host", "--port", "--seed-nodes", "--db", "--tls-cert", "--tls-ca" })
            Assert.Contains(option, help);
    }
}
