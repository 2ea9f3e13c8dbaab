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
/// Two authorities from <c>certs init</c> (the cluster's and another), and a coordinator with two
/// workers on the cluster's node certificate: started once for the steps of <see cref="TlsClusterTests"/>.
/// </summary>
public sealed class TlsCluster : ScenarioCluster
{
    internal string Certs => Path.Combine(F.Dir, "certs");
    internal string Other => Path.Combine(F.Dir, "other");
    public int Coordinator { get; } = FreePorts.Next();
    public int Http { get; } = FreePorts.Next();
    public int W1 { get; } = FreePorts.Next();
    public int W2 { get; } = FreePorts.Next();
    internal int[] Seeds => [Coordinator, W1];
    internal CliProcess CoordinatorNode { get; private set; } = null!;
    internal CliProcess Worker1 { get; private set; } = null!;
    internal ClusterTls ClientTls { get; private set; } = null!;
    internal SweepHttpClient Client { get; private set; } = null!;
    internal string? Job { get; set; }
    private readonly Dictionary<string, string> _tokens = [];

    public const string Spec = """
        name: tls-sweep
        data: { synthetic: blobs, samples: 1500, features: 6, seed: 4 }
        models: [logistic, gaussian-shared]
        epochs: 8
        seeds: [1, 2, 3]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
        """;

    internal static string Cert(string dir, string file) => Path.Combine(dir, file);
    internal static string[] Tls(string dir, string cert) => ["--tls-cert", Cert(dir, cert), "--tls-ca", Cert(dir, "ca.crt")];

    private void CertsCommand(params string[] args)
    {
        var p = F.Start(["certs", .. args]);
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)) && p.ExitCode == 0, p.Output);
    }

    public override async Task InitializeAsync()
    {
        CertsCommand("init", Certs, "--hosts", "127.0.0.1");
        CertsCommand("init", Other, "--hosts", "127.0.0.1");
        CoordinatorNode = F.Node("coordinator", Coordinator, Seeds, db: "tls.db", http: Http, extra: Tls(Certs, "node.pfx"));
        Worker1 = F.Node("worker", W1, Seeds, slots: 2, extra: Tls(Certs, "node.pfx"));
        F.Node("worker", W2, Seeds, slots: 1, extra: Tls(Certs, "node.pfx"));
        ClientTls = new TlsOptions(Cert(Certs, "client.pfx"), null, Cert(Certs, "ca.crt")).Load(CertificateRole.Client);
        Client = new SweepHttpClient([$"127.0.0.1:{Http}"], TimeSpan.FromSeconds(5), ClientTls);
        await ClusterFixture.WaitForWorkers(Client, 2, TimeSpan.FromSeconds(90));
    }

    /// <summary>The finished job of the first step (submitted here if that step did not run).</summary>
    internal async Task<string> FinishedJob()
    {
        if (Job is not null) return Job;
        var submit = F.Start(["submit", F.WriteSpec(Spec), "--cluster", $"127.0.0.1:{Http}", "--wait", "--out", Path.Combine(F.Dir, "out"), .. Tls(Certs, "client.pfx")]);
        Assert.True(submit.WaitForExit(TimeSpan.FromMinutes(3)) && submit.ExitCode == 0, submit.Output);
        return Job = (await Client.Status()).Jobs.Single().Id;
    }

    /// <summary>An access token from <c>certs token</c>, made once per name.</summary>
    internal string Token(string name, params string[] extra)
    {
        if (_tokens.TryGetValue(name, out var known)) return known;
        var p = F.Start(["certs", "token", Certs, "--name", name, .. extra]);
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)) && p.ExitCode == 0, p.Output);
        return _tokens[name] = p.Lines.Single(l => l.StartsWith("lmt1.", StringComparison.Ordinal));
    }

    /// <summary>An HTTPS client of the dashboard that trusts the node certificate, with <paramref name="certificate"/> or none.</summary>
    internal HttpClient Https(X509Certificate2? certificate) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions
        {
            ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
            RemoteCertificateValidationCallback = (_, peer, _, _) => peer is not null && ClientTls.Refusal(new X509Certificate2(peer), CertificateRole.Node) is null,
        },
    }) { BaseAddress = new Uri($"https://127.0.0.1:{Http}"), Timeout = TimeSpan.FromSeconds(10) };

    internal static async Task<HttpResponseMessage> With(HttpClient http, string token, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    public override Task DisposeAsync()
    {
        Client?.Dispose();
        F.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// TLS as a user sets it up: <c>certs init</c>, then a coordinator and two workers with the node
/// certificate. The client certificate submits and waits. Nothing else gets in: a client without a
/// certificate, a client certificate of another authority, a node with the client certificate
/// (refused by the command line, and — past that check — by the cluster's handshake), a node
/// without TLS and a node of another authority each get one line saying why. The dashboard is
/// behind the same door, in a client and in headless Chromium: a certificate or an access token,
/// until <c>certs revoke</c> voids the token. One cluster, steps in order, each a test of its own.
/// </summary>
[Trait("Category", "Cluster")]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed class TlsClusterTests(TlsCluster cluster, ITestOutputHelper output) : IClassFixture<TlsCluster>
{
    private ClusterFixture F => cluster.F;

    [Fact, Step(1)]
    public async Task Nodes_with_the_node_certificate_join_over_tls_and_the_client_certificate_submits_and_waits()
    {
        Assert.Contains($"joined the cluster at akka.ssl.tcp://leeml-sweep@127.0.0.1:{cluster.Coordinator} as coordinator; dashboard and HTTP API on https://127.0.0.1:{cluster.Http}/", cluster.CoordinatorNode.Output);
        await cluster.FinishedJob();
        Assert.Equal(9, File.ReadAllLines(Path.Combine(F.Dir, "out", "results.jsonl")).Length);
    }

    [Fact, Step(2)]
    public async Task The_dashboard_answers_a_client_certificate_and_tokens_by_role_and_nothing_else()
    {
        var job = await cluster.FinishedJob();
        using (var viewer = cluster.Https(cluster.ClientTls.Certificate))
        {
            Assert.Contains("/assets/dashboard.js", await viewer.GetStringAsync("/"));
            Assert.Contains("\"state\":\"done\"", await viewer.GetStringAsync("/api/jobs"));
        }
        // Without a certificate: nothing but with an access token from certs token; a viewer's only reads, an operator's may cancel.
        var viewerToken = cluster.Token("alice");
        var operatorToken = cluster.Token("bob", "--operator", "--days", "1");
        using var anonymous = cluster.Https(null);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/jobs")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/api/jobs/{job}/cancel", null)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await TlsCluster.With(anonymous, viewerToken, HttpMethod.Get, $"/api/jobs/{job}")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await TlsCluster.With(anonymous, viewerToken, HttpMethod.Post, $"/api/jobs/{job}/cancel")).StatusCode);
        // Nor may a viewer submit a job, least of all one that runs a program on the workers.
        using (var submit = new HttpRequestMessage(HttpMethod.Post, "/api/jobs")
        {
            Content = new StringContent("""{"spec":"name: p\nprogram: { command: [sh, -c, 'id'], objective: { metric: a } }\n","file":"p.yaml","data":[]}""", System.Text.Encoding.UTF8, "application/json"),
        })
        {
            submit.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", viewerToken);
            using var refused = await anonymous.SendAsync(submit);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("read-only", await refused.Content.ReadAsStringAsync());
        }
        Assert.Equal(System.Net.HttpStatusCode.OK, (await TlsCluster.With(anonymous, operatorToken, HttpMethod.Post, $"/api/jobs/{job}/cancel")).StatusCode);   // already over: it says so
        var forged = viewerToken[..^4] + (viewerToken[^4] == 'A' ? "B" : "A") + viewerToken[^3..];
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await TlsCluster.With(anonymous, forged, HttpMethod.Get, "/api/jobs")).StatusCode);
        // In a browser: /login?token= sets an HTTP-only cookie and goes to the dashboard.
        var login = await anonymous.GetAsync("/login?token=" + Uri.EscapeDataString(viewerToken));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, login.StatusCode);
        // The cookie holds a session of this node, not the token.
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"leeml_session_{cluster.Http}=", cookie, StringComparison.Ordinal);
        Assert.True(cookie.Contains("httponly") && cookie.Contains("secure") && cookie.Contains("samesite=strict"), cookie);
        Assert.DoesNotContain(viewerToken, cookie);
    }

    [Fact, Step(3)]
    public async Task Chromium_gets_in_with_a_token_s_link_and_is_refused_once_certs_revoke_voids_it()
    {
        var job = await cluster.FinishedJob();
        var viewerToken = cluster.Token("alice");
        var operatorToken = cluster.Token("bob", "--operator", "--days", "1");
        var http = cluster.Http;
        // Headless Chromium trusts only the node certificate's key.
        var nodeKey = X509CertificateLoader.LoadPkcs12FromFile(TlsCluster.Cert(cluster.Certs, "node.pfx"), null).PublicKey.ExportSubjectPublicKeyInfo();
        await using (var browser = await LeeMl.Sweep.Tests.HeadlessChromium.Launch(Path.Combine(F.Dir, "chromium-profile"),
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
            using (var asViewer = cluster.Https(null))
            {
                using var attempt = new HttpRequestMessage(HttpMethod.Post, "/api/tokens/revoke") { Content = new StringContent($"{{\"token\":\"{viewerToken}\"}}") };
                attempt.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", viewerToken);
                Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await asViewer.SendAsync(attempt)).StatusCode);
            }
            var revoke = F.Start(["certs", "revoke", viewerToken, "--cluster", $"127.0.0.1:{http}", .. TlsCluster.Tls(cluster.Certs, "client.pfx")]);
            Assert.True(revoke.WaitForExit(TimeSpan.FromSeconds(60)) && revoke.ExitCode == 0, revoke.Output);
            Assert.Matches(@"revoked token [A-Za-z0-9_-]{22} of alice: every coordinator refuses it", revoke.Output);
            Assert.Matches(@"access token [A-Za-z0-9_-]{22} of alice revoked by .*OU=client", cluster.CoordinatorNode.Output);
            var after = await page.GoToAsync($"{https}/jobs/{job}");
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, after.Status);
            Assert.Contains("was revoked", await page.EvaluateExpressionAsync<string>("document.body.innerText"));
        }
        using (var anonymous = cluster.Https(null))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/jobs");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", operatorToken);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await anonymous.SendAsync(request)).StatusCode);   // only the revoked token is refused
        }
    }

    [Fact, Step(4)]
    public async Task Clients_without_a_certificate_of_another_authority_or_at_the_cluster_port_are_refused_saying_why()
    {
        var http = cluster.Http;
        var again = F.Start(["certs", "revoke", "not-a-token", "--cluster", $"127.0.0.1:{http}", .. TlsCluster.Tls(cluster.Certs, "client.pfx")]);
        Assert.True(again.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.True(again.ExitCode == 2, again.Output);
        Assert.Contains("is neither a token (lmt1....) nor a token id", again.Output);

        // A client without a certificate: refused, saying why, well within 10 s.
        var clock = Stopwatch.StartNew();
        var bare = F.Start("status", "--cluster", $"127.0.0.1:{http}");
        Assert.True(bare.WaitForExit(TimeSpan.FromSeconds(30)));
        output.WriteLine($"a client without a certificate was refused in {clock.Elapsed.TotalSeconds:F1} s (process start included): {bare.Output.Trim()}");
        Assert.Equal(1, bare.ExitCode);
        Assert.Contains($"the cluster at 127.0.0.1:{http} requires TLS", bare.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));

        // A client certificate of another authority (the client trusts the cluster's): the cluster refuses it, promptly.
        var foreignCert = X509CertificateLoader.LoadPkcs12FromFile(TlsCluster.Cert(cluster.Other, "client.pfx"), null);
        using (var foreign = new SweepHttpClient([$"127.0.0.1:{http}"], TimeSpan.FromSeconds(15), new ClusterTls(foreignCert, cluster.ClientTls.Authority)))
        {
            clock.Restart();
            var e = await Assert.ThrowsAsync<ClusterUnavailableException>(() => foreign.Status());
            output.WriteLine($"a foreign client certificate was refused in {clock.Elapsed.TotalSeconds:F2} s: {e.Message}");
            Assert.Contains($"the cluster at 127.0.0.1:{http} refused this client's certificate (not signed by its CA)", e.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        }
        // The cluster's own client certificate at a node's cluster port (which takes node certificates only): said so, with the port to use.
        using (var wrongPort = new SweepHttpClient([$"127.0.0.1:{cluster.Coordinator}"], TimeSpan.FromSeconds(15), cluster.ClientTls))
        {
            var e = await Assert.ThrowsAsync<ClusterUnavailableException>(() => wrongPort.Status());
            Assert.Contains($"127.0.0.1:{cluster.Coordinator} is a cluster port (node-to-node traffic, which takes node certificates only), not the HTTP API", e.Message);
        }

    }

    [Fact, Step(5)]
    public async Task Nodes_with_the_client_certificate_without_tls_or_of_another_authority_never_join()
    {
        var seeds = cluster.Seeds;
        // A node given the client certificate: the command line refuses it at once.
        var asClient = F.Node("worker", LeeMl.Sweep.Tests.FreePorts.Next(), seeds, extra: TlsCluster.Tls(cluster.Certs, "client.pfx"));
        Assert.True(asClient.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, asClient.ExitCode);
        Assert.Contains("a client certificate; a node needs a node certificate", asClient.Output);

        // The node program itself with the client certificate, past that check: the cluster's handshake refuses it; it never becomes a member.
        var settings = new NodeSettings { Roles = [NodeRoles.Worker], Host = "127.0.0.1", Port = LeeMl.Sweep.Tests.FreePorts.Next(), SeedNodes = [.. seeds.Select(s => $"127.0.0.1:{s}")], LogLevel = "Error" };
        var clientCert = X509CertificateLoader.LoadPkcs12FromFile(TlsCluster.Cert(cluster.Certs, "client.pfx"), null);
        var runtime = new NodeRuntime(settings, null, embedded: false, null);
        using (var impostor = NodeHost.Build(runtime, new WorkerOptions("", 4, null) { Cache = new(Path.Combine(F.Dir, "impostor-cache"), 1 << 20) }, new ClusterTls(clientCert, cluster.ClientTls.Authority), null, _ => { }))
        {
            await impostor.StartAsync();
            // Refused at the handshake, and after that still not a member while it keeps trying.
            await ClusterFixture.Until(() => Task.FromResult(cluster.CoordinatorNode.Output.Contains("is a client certificate, which cannot join the cluster", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30), "the coordinator refusing the client certificate");
            var joined = await Task.WhenAny(runtime.Ready, Task.Delay(TimeSpan.FromSeconds(4)));
            Assert.NotSame(runtime.Ready, joined);
            await impostor.StopAsync();
        }
        Assert.Equal(3, (await cluster.Client.Status()).Nodes.Count);

        // A node without TLS, and a node of another authority: one line each, and they stop.
        var plain = F.Node("worker", LeeMl.Sweep.Tests.FreePorts.Next(), seeds);
        var foreignNode = F.Node("worker", LeeMl.Sweep.Tests.FreePorts.Next(), seeds, extra: TlsCluster.Tls(cluster.Other, "node.pfx"));
        foreach (var (node, expected) in new[] { (plain, $"requires TLS: start this node with --tls-cert and --tls-ca"), (foreignNode, "presents a certificate not signed by --tls-ca") })
        {
            Assert.True(node.WaitForExit(TimeSpan.FromSeconds(40)), "a node that cannot join kept waiting:\n" + node.Output);
            Assert.True(node.ExitCode == 2, node.Output);
            Assert.Contains(expected, node.Output);
            output.WriteLine(node.Output.Trim());
        }
        Assert.Equal(3, (await cluster.Client.Status()).Nodes.Count);
        Assert.False(cluster.Worker1.HasExited);
    }
}
