using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Protocol;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// TLS with the cluster's own certificate authority and mutual authentication: nodes and clients
/// with certificates the CA signed form a cluster and run a sweep; a node whose certificate the CA
/// did not sign — even one with the same subject name — and a node without TLS cannot join.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class TlsTests(ITestOutputHelper output) : IDisposable
{
    private readonly ClusterFixture _f = new();

    public void Dispose() => _f.Dispose();

    private const string Password = "test-only";

    private static X509Certificate2 MakeCa()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=leeml-sweep test CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(60));   // outlives its leaves
    }

    /// <summary>A leaf certificate signed by <paramref name="ca"/>, or self-signed when <paramref name="ca"/> is null, saved as .pfx.</summary>
    private string MakeLeaf(string name, X509Certificate2? ca)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=leeml-sweep node", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var cert = ca is null
            ? request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30))
            : request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(8)).CopyWithPrivateKey(key);
        var path = Path.Combine(_f.Dir, name + ".pfx");
        File.WriteAllBytes(path, cert.Export(X509ContentType.Pfx, Password));
        return path;
    }

    private NodeProcess Node(int port, int[] seeds, string? cert, string ca, string roles = "worker")
    {
        List<string> args = ["node", "--roles", roles, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--seed-nodes", string.Join(",", seeds.Select(s => $"127.0.0.1:{s}")), "--slots", "2", "--db", Path.Combine(_f.Dir, "tls.db")];
        if (cert is not null) args.AddRange(["--tls-cert", cert, "--tls-password", Password, "--tls-ca", ca]);
        return _f.Start([.. args]);
    }

    [Fact]
    public async Task Nodes_with_the_cluster_s_certificates_run_a_sweep_and_a_foreign_certificate_cannot_join()
    {
        var caCert = MakeCa();
        var ca = Path.Combine(_f.Dir, "ca.crt");
        File.WriteAllText(ca, caCert.ExportCertificatePem());
        string coordinatorCert = MakeLeaf("coordinator", caCert), workerCert = MakeLeaf("worker", caCert), clientCert = MakeLeaf("client", caCert);
        var rogueCert = MakeLeaf("rogue", null);   // same subject, not signed by the CA

        int c = NodeProcess.FreePort(), w = NodeProcess.FreePort();
        int[] seeds = [c, w];
        Node(c, seeds, coordinatorCert, ca, "coordinator");
        Node(w, seeds, workerCert, ca);
        var tls = new TlsOptions(clientCert, Password, ca);
        await ClusterFixture.WaitForWorkers(c, 1, TimeSpan.FromSeconds(90), tls);   // the TLS cluster has formed

        var spec = _f.WriteSpec(ClusterFixture.Spec48);
        var submit = _f.Start("submit", spec, "--cluster", $"127.0.0.1:{c}", "--wait", "--out", Path.Combine(_f.Dir, "out"),
            "--tls-cert", clientCert, "--tls-password", Password, "--tls-ca", ca, "--timeout", "60");
        Assert.True(submit.WaitForExit(TimeSpan.FromMinutes(3)), submit.Output);
        Assert.True(submit.ExitCode == 0, submit.Output);
        Assert.Equal(48, File.ReadAllLines(Path.Combine(_f.Dir, "out", "results.jsonl")).Length);

        // A rogue node (self-signed, same subject) and a node without TLS try to join.
        var rogue = Node(NodeProcess.FreePort(), seeds, rogueCert, ca);
        var plain = Node(NodeProcess.FreePort(), seeds, null, ca);
        await Task.Delay(TimeSpan.FromSeconds(15));
        await using var client = SweepClient.Connect($"127.0.0.1:{c}", tls: tls);
        var report = await client.Ask<StatusReport>(new GetStatus(null), TimeSpan.FromSeconds(10));
        output.WriteLine(string.Join(", ", report.Nodes.Select(n => n.Node)));
        Assert.Equal([$"127.0.0.1:{w}"], report.Nodes.Select(n => n.Node));
        output.WriteLine("rogue:\n" + string.Join('\n', rogue.Lines.Take(5)));

        // And a client with the rogue certificate gets no answer.
        await using var rogueClient = SweepClient.Connect($"127.0.0.1:{c}", tls: new TlsOptions(rogueCert, Password, ca));
        await Assert.ThrowsAnyAsync<Exception>(() => rogueClient.Ask<StatusReport>(new GetStatus(null), TimeSpan.FromSeconds(5)));
        Assert.False(plain.Output.Contains("Welcome", StringComparison.Ordinal));
    }
}
