using LeeMl.Sweep.Tests;
using LeeMl.Sweep.Cluster.Protocol;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using LeeMl.Sweep.Cli.Client;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Security;
using LeeMl.Sweep.Cluster.Workers;
using LeeMl.Sweep.Server.Hosting;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// TLS as a user sets it up: <c>certs init</c>, then a coordinator and two workers with the node
/// certificate. The client certificate submits and waits. Nothing else gets in: a client without a
/// certificate, a client certificate of another authority, a node with the client certificate
/// (refused by the command line, and — past that check — by the cluster's handshake), a node
/// without TLS and a node of another authority each get one line saying why. The dashboard is
/// behind the same door, in a client and in headless Chromium: a certificate or an access token,
/// until <c>certs revoke</c> voids the token.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class TlsClusterTests(ITestOutputHelper output) : IDisposable
{
    private readonly ClusterFixture _f = new();

    public void Dispose() => _f.Dispose();

    private const string Spec = """
        name: tls-sweep
        data: { synthetic: blobs, samples: 1500, features: 6, seed: 4 }
        models: [logistic, gaussian-shared]
        epochs: 8
        seeds: [1, 2, 3]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
        """;

    private void Certs(params string[] args)
    {
        var p = _f.Start(["certs", .. args]);
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)) && p.ExitCode == 0, p.Output);
    }

    [Fact]
    public async Task Certs_init_makes_a_tls_cluster_the_client_certificate_uses_and_nothing_else_joins_or_calls_it()
    {
        string certs = Path.Combine(_f.Dir, "certs"), other = Path.Combine(_f.Dir, "other");
        Certs("init", certs, "--hosts", "127.0.0.1");
        Certs("init", other, "--hosts", "127.0.0.1");
        string Cert(string dir, string file) => Path.Combine(dir, file);
        string[] Tls(string dir, string cert) => ["--tls-cert", Cert(dir, cert), "--tls-ca", Cert(dir, "ca.crt")];

        int c = LeeMl.Sweep.Tests.FreePorts.Next(), http = LeeMl.Sweep.Tests.FreePorts.Next(), w1 = LeeMl.Sweep.Tests.FreePorts.Next(), w2 = LeeMl.Sweep.Tests.FreePorts.Next();
        int[] seeds = [c, w1];
        var coordinator = _f.Node("coordinator", c, seeds, db: "tls.db", http: http, extra: Tls(certs, "node.pfx"));
        var worker1 = _f.Node("worker", w1, seeds, slots: 2, extra: Tls(certs, "node.pfx"));
        _f.Node("worker", w2, seeds, slots: 1, extra: Tls(certs, "node.pfx"));
        var tls = new TlsOptions(Cert(certs, "client.pfx"), null, Cert(certs, "ca.crt")).Load(CertificateRole.Client);
        using var client = new SweepHttpClient([$"127.0.0.1:{http}"], TimeSpan.FromSeconds(5), tls);
        await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(90));
        Assert.Contains($"joined the cluster at akka.ssl.tcp://leeml-sweep@127.0.0.1:{c} as coordinator; dashboard and HTTP API on https://127.0.0.1:{http}/", coordinator.Output);

        // The client certificate submits and waits.
        var spec = _f.WriteSpec(Spec);
        var submit = _f.Start(["submit", spec, "--cluster", $"127.0.0.1:{http}", "--wait", "--out", Path.Combine(_f.Dir, "out"), .. Tls(certs, "client.pfx")]);
        Assert.True(submit.WaitForExit(TimeSpan.FromMinutes(3)), submit.Output);
        Assert.True(submit.ExitCode == 0, submit.Output);
        Assert.Equal(9, File.ReadAllLines(Path.Combine(_f.Dir, "out", "results.jsonl")).Length);

        // The dashboard is behind the same door: with the client certificate its page and API answer over HTTPS; without one the handshake fails.
        HttpClient Https(X509Certificate2? certificate) => new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
                RemoteCertificateValidationCallback = (_, peer, _, _) => peer is not null && tls.Refusal(new X509Certificate2(peer), CertificateRole.Node) is null,
            },
        }) { BaseAddress = new Uri($"https://127.0.0.1:{http}"), Timeout = TimeSpan.FromSeconds(10) };
        using (var viewer = Https(tls.Certificate))
        {
            Assert.Contains("/assets/dashboard.js", await viewer.GetStringAsync("/"));
            Assert.Contains("\"state\":\"done\"", await viewer.GetStringAsync("/api/jobs"));
        }
        // Without a certificate: nothing but with an access token from certs token; a viewer's only reads, an operator's may cancel.
        string Token(params string[] extra)
        {
            var p = _f.Start(["certs", "token", certs, .. extra]);
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)) && p.ExitCode == 0, p.Output);
            return p.Lines.Single(l => l.StartsWith("lmt1.", StringComparison.Ordinal));
        }
        var viewerToken = Token("--name", "alice");
        var operatorToken = Token("--name", "bob", "--operator", "--days", "1");
        var job = (await client.Status()).Jobs.Single().Id;
        using (var anonymous = Https(null))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/jobs")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/api/jobs/{job}/cancel", null)).StatusCode);
            async Task<HttpResponseMessage> With(string token, HttpMethod method, string path)
            {
                using var request = new HttpRequestMessage(method, path);
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                return await anonymous.SendAsync(request);
            }
            Assert.Equal(System.Net.HttpStatusCode.OK, (await With(viewerToken, HttpMethod.Get, $"/api/jobs/{job}")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await With(viewerToken, HttpMethod.Post, $"/api/jobs/{job}/cancel")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await With(operatorToken, HttpMethod.Post, $"/api/jobs/{job}/cancel")).StatusCode);   // already over: it says so
            var forged = viewerToken[..^4] + (viewerToken[^4] == 'A' ? "B" : "A") + viewerToken[^3..];
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await With(forged, HttpMethod.Get, "/api/jobs")).StatusCode);
            // In a browser: /login?token= sets an HTTP-only cookie and goes to the dashboard.
            var login = await anonymous.GetAsync("/login?token=" + Uri.EscapeDataString(viewerToken));
            Assert.Equal(System.Net.HttpStatusCode.Redirect, login.StatusCode);
            Assert.Contains(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("leeml_token=", StringComparison.Ordinal) && c.Contains("httponly") && c.Contains("secure") && c.Contains("samesite=strict"));
        }

        // The same in headless Chromium, which trusts only the node certificate's key: refused, then in with the token's link.
        var nodeKey = X509CertificateLoader.LoadPkcs12FromFile(Cert(certs, "node.pfx"), null).PublicKey.ExportSubjectPublicKeyInfo();
        await using (var browser = await LeeMl.Sweep.Tests.HeadlessChromium.Launch(Path.Combine(_f.Dir, "chromium-profile"),
            "--ignore-certificate-errors-spki-list=" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(nodeKey))))
        {
            var https = $"https://127.0.0.1:{http}";
            // In a tab of its own: the plain-text 401 page has no icon, and the browser's late request for /favicon.ico is refused too.
            await using (var outside = await browser.NewPageAsync())
            {
                var refused = await outside.GoToAsync(https + "/");
                Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.Status);
                Assert.Contains("/login?token=", await outside.EvaluateExpressionAsync<string>("document.body.innerText"));
            }
            await using var page = await browser.NewPageAsync();
            var errors = new List<string>();
            page.Console += (_, e) => { if (e.Message.Type == PuppeteerSharp.ConsoleType.Error) errors.Add(e.Message.Text); };
            page.PageError += (_, e) => errors.Add(e.Message);
            page.Response += (_, e) => { if ((int)e.Response.Status >= 400) errors.Add($"{(int)e.Response.Status} {e.Response.Url}"); };
            await page.GoToAsync(https + "/login?token=" + Uri.EscapeDataString(viewerToken));
            await page.WaitForSelectorAsync($"#job-table a[href='/jobs/{job}']", new PuppeteerSharp.WaitForSelectorOptions { Timeout = 15_000 });
            Assert.Equal(https + "/", page.Url);
            await page.GoToAsync($"{https}/jobs/{job}");
            await page.WaitForFunctionAsync("() => document.getElementById('job-state')?.textContent === 'done'", new PuppeteerSharp.WaitForFunctionOptions { Timeout = 15_000 });
            await page.WaitForSelectorAsync("#cell-table", new PuppeteerSharp.WaitForSelectorOptions { Timeout = 15_000 });
            Assert.True(errors.Count == 0, string.Join("\n", errors));

            // Revoked with the client certificate (a viewer's token may not revoke): the browser's cookie stops working at once.
            using (var asViewer = Https(null))
            {
                using var attempt = new HttpRequestMessage(HttpMethod.Post, "/api/tokens/revoke") { Content = new StringContent($"{{\"token\":\"{viewerToken}\"}}") };
                attempt.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", viewerToken);
                Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await asViewer.SendAsync(attempt)).StatusCode);
            }
            var revoke = _f.Start(["certs", "revoke", viewerToken, "--cluster", $"127.0.0.1:{http}", .. Tls(certs, "client.pfx")]);
            Assert.True(revoke.WaitForExit(TimeSpan.FromSeconds(60)) && revoke.ExitCode == 0, revoke.Output);
            Assert.Matches(@"revoked token [A-Za-z0-9_-]{22} of alice: every coordinator refuses it", revoke.Output);
            Assert.Matches(@"access token [A-Za-z0-9_-]{22} of alice revoked by .*OU=client", coordinator.Output);
            var after = await page.GoToAsync($"{https}/jobs/{job}");
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, after.Status);
            Assert.Contains("was revoked", await page.EvaluateExpressionAsync<string>("document.body.innerText"));
        }
        using (var anonymous = Https(null))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/jobs");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", operatorToken);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await anonymous.SendAsync(request)).StatusCode);   // only the revoked token is refused
        }
        var again = _f.Start(["certs", "revoke", "not-a-token", "--cluster", $"127.0.0.1:{http}", .. Tls(certs, "client.pfx")]);
        Assert.True(again.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.True(again.ExitCode == 2, again.Output);
        Assert.Contains("is neither a token (lmt1....) nor a token id", again.Output);

        // A client without a certificate: refused, saying why, well within 10 s.
        var clock = Stopwatch.StartNew();
        var bare = _f.Start("status", "--cluster", $"127.0.0.1:{http}");
        Assert.True(bare.WaitForExit(TimeSpan.FromSeconds(30)));
        output.WriteLine($"a client without a certificate was refused in {clock.Elapsed.TotalSeconds:F1} s (process start included): {bare.Output.Trim()}");
        Assert.Equal(1, bare.ExitCode);
        Assert.Contains($"the cluster at 127.0.0.1:{http} requires TLS", bare.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));

        // A client certificate of another authority (the client trusts the cluster's): the cluster refuses it, promptly.
        var foreignCert = X509CertificateLoader.LoadPkcs12FromFile(Cert(other, "client.pfx"), null);
        using (var foreign = new SweepHttpClient([$"127.0.0.1:{http}"], TimeSpan.FromSeconds(15), new ClusterTls(foreignCert, tls.Authority)))
        {
            clock.Restart();
            var e = await Assert.ThrowsAsync<ClusterUnavailableException>(() => foreign.Status());
            output.WriteLine($"a foreign client certificate was refused in {clock.Elapsed.TotalSeconds:F2} s: {e.Message}");
            Assert.Contains($"the cluster at 127.0.0.1:{http} refused this client's certificate (not signed by its CA)", e.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        }
        // The cluster's own client certificate at a node's cluster port (which takes node certificates only): said so, with the port to use.
        using (var wrongPort = new SweepHttpClient([$"127.0.0.1:{c}"], TimeSpan.FromSeconds(15), tls))
        {
            var e = await Assert.ThrowsAsync<ClusterUnavailableException>(() => wrongPort.Status());
            Assert.Contains($"127.0.0.1:{c} is a cluster port (node-to-node traffic, which takes node certificates only), not the HTTP API", e.Message);
        }

        // A node given the client certificate: the command line refuses it at once.
        var asClient = _f.Node("worker", LeeMl.Sweep.Tests.FreePorts.Next(), seeds, extra: Tls(certs, "client.pfx"));
        Assert.True(asClient.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, asClient.ExitCode);
        Assert.Contains("a client certificate; a node needs a node certificate", asClient.Output);

        // The node program itself with the client certificate, past that check: the cluster's handshake refuses it; it never becomes a member.
        var settings = new NodeSettings { Roles = [NodeRoles.Worker], Host = "127.0.0.1", Port = LeeMl.Sweep.Tests.FreePorts.Next(), SeedNodes = [.. seeds.Select(s => $"127.0.0.1:{s}")], LogLevel = "Error" };
        var clientCert = X509CertificateLoader.LoadPkcs12FromFile(Cert(certs, "client.pfx"), null);
        var runtime = new NodeRuntime(settings, null, embedded: false, null);
        using (var impostor = NodeHost.Build(runtime, new WorkerOptions("", 4, null) { Cache = new(Path.Combine(_f.Dir, "impostor-cache"), 1 << 20) }, new ClusterTls(clientCert, tls.Authority), null, _ => { }))
        {
            await impostor.StartAsync();
            var joined = await Task.WhenAny(runtime.Ready, Task.Delay(TimeSpan.FromSeconds(15)));
            Assert.NotSame(runtime.Ready, joined);
            await impostor.StopAsync();
        }
        Assert.Contains("is a client certificate, which cannot join the cluster", coordinator.Output);
        Assert.Equal(3, (await client.Status()).Nodes.Count);

        // A node without TLS, and a node of another authority: one line each, and they stop.
        var plain = _f.Node("worker", LeeMl.Sweep.Tests.FreePorts.Next(), seeds);
        var foreignNode = _f.Node("worker", LeeMl.Sweep.Tests.FreePorts.Next(), seeds, extra: Tls(other, "node.pfx"));
        foreach (var (node, expected) in new[] { (plain, $"requires TLS: start this node with --tls-cert and --tls-ca"), (foreignNode, "presents a certificate not signed by --tls-ca") })
        {
            Assert.True(node.WaitForExit(TimeSpan.FromSeconds(40)), "a node that cannot join kept waiting:\n" + node.Output);
            Assert.True(node.ExitCode == 2, node.Output);
            Assert.Contains(expected, node.Output);
            output.WriteLine(node.Output.Trim());
        }
        Assert.Equal(3, (await client.Status()).Nodes.Count);
        Assert.False(worker1.HasExited);
    }
}
