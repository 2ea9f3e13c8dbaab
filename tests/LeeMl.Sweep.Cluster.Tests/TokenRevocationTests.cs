using LeeMl.Sweep.Server.Security;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Security;
using LeeMl.Sweep.Tests;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// A token revoked through one coordinator is refused by another: two TLS coordinators in their
/// own processes share a PostgreSQL store (a real server, started for the test); <c>certs revoke</c>
/// goes to the first, and the second refuses the token once it has read the store's list.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class TokenRevocationTests(ITestOutputHelper output) : IDisposable
{
    private readonly ClusterFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task A_token_revoked_on_one_coordinator_is_refused_by_the_other_within_its_refresh()
    {
        using var postgres = new PostgresServer();
        _f.Environment["LEEML_DB_PASSWORD"] = PostgresServer.Password;
        var db = postgres.NewDatabase();
        var certs = Path.Combine(_f.Dir, "certs");
        var init = _f.Start("certs", "init", certs, "--hosts", "127.0.0.1");
        Assert.True(init.WaitForExit(TimeSpan.FromSeconds(60)) && init.ExitCode == 0, init.Output);
        string[] tls = ["--tls-cert", Path.Combine(certs, "node.pfx"), "--tls-ca", Path.Combine(certs, "ca.crt")];
        int[] ports = [LeeMl.Sweep.Tests.FreePorts.Next(), LeeMl.Sweep.Tests.FreePorts.Next()];
        int[] http = [LeeMl.Sweep.Tests.FreePorts.Next(), LeeMl.Sweep.Tests.FreePorts.Next()];
        var coordinators = ports.Select((p, i) => _f.Node("coordinator", p, ports, db: db, http: http[i], extra: tls)).ToArray();

        var token = _f.Start("certs", "token", certs, "--name", "carol");
        Assert.True(token.WaitForExit(TimeSpan.FromSeconds(60)) && token.ExitCode == 0, token.Output);
        var viewer = token.Lines.Single(l => l.StartsWith("lmt1.", StringComparison.Ordinal));
        var cluster = new TlsOptions(Path.Combine(certs, "client.pfx"), null, Path.Combine(certs, "ca.crt")).Load(CertificateRole.Client);
        using var web = new HttpClient(new SocketsHttpHandler
        {
            // No client certificate: the token alone is what admits this client.
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, peer, _, _) => peer is not null && cluster.Refusal(new X509Certificate2(peer), CertificateRole.Node) is null,
            },
        }) { Timeout = TimeSpan.FromSeconds(10) };
        async Task<HttpStatusCode> Jobs(int port)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{port}/api/jobs");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", viewer);
            try
            {
                using var response = await web.SendAsync(request);
                return response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return 0;   // not listening yet
            }
        }
        foreach (var port in http)
        {
            var end = DateTime.UtcNow.AddSeconds(90);
            while (await Jobs(port) != HttpStatusCode.OK)
            {
                Assert.True(DateTime.UtcNow < end, $"the coordinator on {port} did not admit the token:\n" + string.Join("\n", coordinators.Select(c => c.Output)));
                await Task.Delay(200);
            }
        }

        var revoke = _f.Start(["certs", "revoke", viewer, "--cluster", $"127.0.0.1:{http[0]}", "--tls-cert", Path.Combine(certs, "client.pfx"), "--tls-ca", Path.Combine(certs, "ca.crt")]);
        Assert.True(revoke.WaitForExit(TimeSpan.FromSeconds(60)) && revoke.ExitCode == 0, revoke.Output);
        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.Unauthorized, await Jobs(http[0]));   // where it was revoked: at once
        while (await Jobs(http[1]) == HttpStatusCode.OK)
        {
            Assert.True(clock.Elapsed < TokenRevocations.RefreshEvery * 3, "the other coordinator still admits the revoked token");
            await Task.Delay(100);
        }
        output.WriteLine($"the other coordinator refused the revoked token {clock.Elapsed.TotalSeconds:F1} s after certs revoke returned (it reads the list every {TokenRevocations.RefreshEvery.TotalSeconds:0} s)");
        Assert.Equal(HttpStatusCode.Unauthorized, await Jobs(http[1]));

        // The other coordinator lists it, from the same store.
        var id = AccessTokens.Verify(viewer, cluster.Authority, AccessTokens.DefaultCluster, DateTimeOffset.UtcNow, out _)!.Id;
        var list = _f.Start(["certs", "revoked", "--cluster", $"127.0.0.1:{http[1]}", "--tls-cert", Path.Combine(certs, "client.pfx"), "--tls-ca", Path.Combine(certs, "ca.crt")]);
        Assert.True(list.WaitForExit(TimeSpan.FromSeconds(60)) && list.ExitCode == 0, list.Output);
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(id)}\s+carol\s+\d{{4}}-", list.Lines.Single(l => l.StartsWith(id, StringComparison.Ordinal)));
        Assert.All(coordinators, c => Assert.False(c.HasExited, c.Output));
    }
}
