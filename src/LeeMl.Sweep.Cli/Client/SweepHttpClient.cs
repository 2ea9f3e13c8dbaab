using LeeMl.Sweep.Server.Security;
using LeeMl.Sweep.Cli.Network;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Cluster.Security;
using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Experiments.Text;

namespace LeeMl.Sweep.Cli.Client;

/// <summary>
/// The cluster's HTTP API from another process or machine. Every call goes to the node that
/// answered last and, when it does not answer (it crashed, or is failing over), to the next
/// address of <c>--cluster</c>; only when none answers does the call fail, saying why for each.
/// </summary>
public sealed class SweepHttpClient : ISweepApi, IDisposable
{
    private readonly IReadOnlyList<Endpoint> _endpoints;
    private readonly ClusterTls? _tls;
    private int _current;

    /// <summary>One address of --cluster: its own connection pool, so each knows what its TLS handshakes saw.</summary>
    private sealed class Endpoint(string address, HttpClient http)
    {
        public string Address { get; } = address;
        public HttpClient Http { get; } = http;
        /// <summary>The last handshake: the node's certificate was accepted (true), refused (false, with why), or none was seen (null).</summary>
        public bool? ServerTrusted { get; set; }
        public string? ServerRefusal { get; set; }
    }

    public SweepHttpClient(IReadOnlyList<string> endpoints, TimeSpan timeout, ClusterTls? tls = null)
    {
        if (endpoints.Count == 0) throw new UsageException("--cluster needs at least one HOST:PORT");
        _tls = tls;
        _endpoints = [.. endpoints.Select(address =>
        {
            Endpoint? endpoint = null;
            var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(3) };
            if (tls is not null)
                handler.SslOptions = new System.Net.Security.SslClientAuthenticationOptions
                {
                    ClientCertificates = [tls.Certificate],
                    CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                    // The node must hold a node certificate of our authority that names the host we asked for.
                    RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    {
                        var peer = certificate is null ? null : new System.Security.Cryptography.X509Certificates.X509Certificate2(certificate);
                        var refusal = tls.Refusal(peer, CertificateRole.Node)
                            ?? ((errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0 ? $"its certificate does not name '{Exposure.HostOf(address)}' (certs node --hosts)" : null);
                        endpoint!.ServerTrusted = refusal is null;
                        endpoint.ServerRefusal = refusal;
                        return refusal is null;
                    },
                };
            endpoint = new Endpoint(address, new HttpClient(handler) { Timeout = timeout });
            return endpoint;
        })];
    }

    private static readonly JsonSerializerOptions Json = ServiceJson.Default.Options;

    /// <summary>Sends to each address in turn, from the last that answered, until one answers with anything but a server error.</summary>
    private async Task<HttpResponseMessage> Send(Func<HttpRequestMessage> request, CancellationToken cancel)
    {
        var errors = new List<string>();
        for (var tried = 0; tried < _endpoints.Count; tried++)
        {
            var i = (_current + tried) % _endpoints.Count;
            var endpoint = _endpoints[i];
            using var message = request();
            message.RequestUri = new Uri($"{(_tls is null ? "http" : "https")}://{endpoint.Address}{message.RequestUri!.OriginalString}");
            endpoint.ServerTrusted = null;
            // Without TLS a node's API asks for the secret it wrote for its user: read at each request, as a node
            // that starts again writes a new one; sent when this user can read it.
            if (_tls is null && LocalSecrets.Find(endpoint.Address) is { } secret) message.Headers.Authorization = new("Bearer", secret);
            try
            {
                var response = await endpoint.Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancel);
                // A server error moves on to the next coordinator; "busy, come back" (with Retry-After) is the caller's to wait for.
                if ((int)response.StatusCode >= 500 && response.Headers.RetryAfter is null)
                {
                    errors.Add($"{endpoint.Address}: {(int)response.StatusCode} {await ErrorText(response)}");
                    response.Dispose();
                    continue;
                }
                _current = i;
                return response;
            }
            catch (HttpRequestException e)
            {
                errors.Add(await Describe(endpoint, e));
            }
            catch (TaskCanceledException) when (!cancel.IsCancellationRequested)
            {
                errors.Add($"{endpoint.Address}: no answer within {endpoint.Http.Timeout.TotalSeconds:F0} s");
            }
        }
        throw new ClusterUnavailableException(errors.Count == 1 ? errors[0] : $"no coordinator answered ({string.Join("; ", errors)})");
    }

    /// <summary>Why a request failed, in the words a user can act on: above all, which side of TLS refused which.</summary>
    private async Task<string> Describe(Endpoint endpoint, HttpRequestException e)
    {
        var at = endpoint.Address;
        if (e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused })
            return $"{at}: connection refused (is a coordinator node with --http running there?)";
        if (_tls is not null)
        {
            if (endpoint.ServerTrusted == false) return $"the node at {at} is not one of this cluster's nodes: {endpoint.ServerRefusal}";
            // The HTTP API takes any client certificate of the cluster's authority; a node's cluster port takes node certificates only.
            if (endpoint.ServerTrusted == true && !_tls.SignedByAuthority(_tls.Certificate))
                return $"the cluster at {at} refused this client's certificate (not signed by its CA)";
            if (endpoint.ServerTrusted == true)
                return $"{at} is a cluster port (node-to-node traffic, which takes node certificates only), not the HTTP API: " +
                       $"point --cluster at a coordinator's --http port (default {Cluster.Hosting.NodeSettings.Defaults.Http})";
            if (e.InnerException is System.Security.Authentication.AuthenticationException)
                return $"the node at {at} does not use TLS (it was started without --tls-cert): drop --tls-cert and --tls-ca, or start the cluster with TLS";
        }
        else if (e.InnerException is IOException || e.HttpRequestError is HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse)
        {
            var colon = at.LastIndexOf(':');
            var probe = await TlsProbe.Try(at[..colon], int.Parse(at[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), null);
            if (probe == TlsProbe.Outcome.Tls)
                return $"the cluster at {at} requires TLS: give --tls-cert and --tls-ca (a client certificate from leeml-sweep certs client, and the cluster's ca.crt)";
            if (probe == TlsProbe.Outcome.Plain)
                return $"{at} does not speak HTTP (is it a node's cluster port?): point --cluster at a coordinator's --http port (default {Cluster.Hosting.NodeSettings.Defaults.Http})";
        }
        return $"{at}: {e.InnerException?.Message ?? e.Message}";
    }

    private static async Task<string> ErrorText(HttpResponseMessage response)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync();
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("error", out var e) ? e.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return response.ReasonPhrase ?? "";
        }
    }

    /// <summary>A refusal of the request itself (4xx) is bad input: one line, exit code 2.</summary>
    private static async Task Ensure(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode) return;
        throw new UsageException(Printable.Escape(await ErrorText(response)));
    }

    public async Task<SubmitReply> Submit(SubmitRequest request, CancellationToken cancel = default)
    {
        using var response = await Send(() => new HttpRequestMessage(HttpMethod.Post, "/api/jobs")
        {
            Content = JsonContent.Create(request, ServiceJson.Default.SubmitRequest),
        }, cancel);
        if (response.StatusCode == HttpStatusCode.BadRequest)
            return await response.Content.ReadFromJsonAsync(ServiceJson.Default.SubmitReply, cancel) ?? new SubmitReply(null, 0, "refused");
        await Ensure(response);
        return (await response.Content.ReadFromJsonAsync(ServiceJson.Default.SubmitReply, cancel))!;
    }

    /// <summary>How long an upload waits, in all, for a coordinator that is busy with others (429, 503) before it gives up.</summary>
    public static readonly TimeSpan BusyPatience = TimeSpan.FromMinutes(2);

    public async Task ShipData(Experiments.Data.ShippedFile file, Func<Stream> open, CancellationToken cancel = default)
    {
        using (var head = await Send(() => new HttpRequestMessage(HttpMethod.Head, $"/api/blobs/{file.Sha256}"), cancel))
            if (head.IsSuccessStatusCode) return;   // the store has it already
        var waited = TimeSpan.Zero;
        while (true)
        {
            using var response = await Send(() =>
            {
                var content = new StreamContent(open(), 1 << 16);
                content.Headers.ContentLength = file.Size;
                var put = new HttpRequestMessage(HttpMethod.Put, $"/api/blobs/{file.Sha256}") { Content = content };
                put.Headers.Add("X-Data-Path", Uri.EscapeDataString(file.Path));
                return put;
            }, cancel);
            // Busy with other uploads: the coordinator says when to come back.
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && waited < BusyPatience)
            {
                var pause = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(2);
                pause = pause < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : pause > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : pause;
                waited += pause;
                await Task.Delay(pause, cancel);
                continue;
            }
            await Ensure(response);
            return;
        }
    }

    public async Task<JobView?> Job(string id, CancellationToken cancel = default)
    {
        using var response = await Send(() => new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{Uri.EscapeDataString(id)}"), cancel);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await Ensure(response);
        return await response.Content.ReadFromJsonAsync(ServiceJson.Default.JobView, cancel);
    }

    public async Task<ClusterStatus> Status(CancellationToken cancel = default)
    {
        using var response = await Send(() => new HttpRequestMessage(HttpMethod.Get, "/api/jobs"), cancel);
        await Ensure(response);
        return (await response.Content.ReadFromJsonAsync(ServiceJson.Default.ClusterStatus, cancel))!;
    }

    /// <summary>The status exactly as the API sent it (status --json prints it).</summary>
    public async Task<string> StatusJson(CancellationToken cancel = default)
    {
        using var response = await Send(() => new HttpRequestMessage(HttpMethod.Get, "/api/jobs"), cancel);
        await Ensure(response);
        return await response.Content.ReadAsStringAsync(cancel);
    }

    /// <summary>A trial's output from character <paramref name="after"/> on; null when the job has no such trial.</summary>
    public async Task<TrialOutputView?> TrialOutput(string id, string key, long after, CancellationToken cancel = default)
    {
        using var response = await Send(() => new HttpRequestMessage(HttpMethod.Get,
            $"/api/jobs/{Uri.EscapeDataString(id)}/output?trial={Uri.EscapeDataString(key)}&after={after.ToString(System.Globalization.CultureInfo.InvariantCulture)}"), cancel);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await Ensure(response);
        return await response.Content.ReadFromJsonAsync(ServiceJson.Default.TrialOutputView, cancel);
    }

    public async Task<CancelOutcome> Cancel(string id, CancellationToken cancel = default)
    {
        using var response = await Send(() => new HttpRequestMessage(HttpMethod.Post, $"/api/jobs/{Uri.EscapeDataString(id)}/cancel"), cancel);
        if (response.StatusCode == HttpStatusCode.NotFound) return CancelOutcome.Unknown;
        await Ensure(response);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
        return doc.RootElement.GetProperty("outcome").GetString() == "already_over" ? CancelOutcome.AlreadyOver : CancelOutcome.Cancelled;
    }

    public async Task<ChangeReply?> Change(string id, JobChange change, string? specText = null, string? specFile = null, string? note = null, CancellationToken cancel = default)
    {
        var path = $"/api/jobs/{Uri.EscapeDataString(id)}/" + change switch
        {
            JobChange.Pause => "pause",
            JobChange.PauseNow => "pause?now=true",
            JobChange.Resume => "resume",
            JobChange.Retry => "retry",
            _ => "extend",
        };
        var body = specText is null && note is null ? null : new Server.Api.ChangeRequest(specText, specFile, note);
        using var response = await Send(() => new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = body is null ? null : JsonContent.Create(body, Server.Api.ApiJson.Default.ChangeRequest),
        }, cancel);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            using var refused = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
            return new ChangeReply(id, refused.RootElement.GetProperty("error").GetString() ?? "refused", "");
        }
        await Ensure(response);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
        return new ChangeReply(id, null, doc.RootElement.GetProperty("message").GetString() ?? "");
    }

    /// <summary>Revokes an access token, given whole (lmt1....) or by its id, on every coordinator of the cluster.</summary>
    public async Task<Server.Api.RevokedToken> RevokeToken(string tokenOrId, CancellationToken cancel = default)
    {
        var body = tokenOrId.StartsWith("lmt1.", StringComparison.Ordinal) ? new Server.Api.RevokeRequest(tokenOrId, null) : new Server.Api.RevokeRequest(null, tokenOrId);
        using var response = await Send(() => new HttpRequestMessage(HttpMethod.Post, "/api/tokens/revoke")
        {
            Content = JsonContent.Create(body, Server.Api.ApiJson.Default.RevokeRequest),
        }, cancel);
        await Ensure(response);
        return (await response.Content.ReadFromJsonAsync(Server.Api.ApiJson.Default.RevokedToken, cancel))!;
    }

    /// <summary>The revoked tokens the cluster's store keeps, the latest first.</summary>
    public async Task<List<Server.Api.RevokedToken>> RevokedTokens(CancellationToken cancel = default)
    {
        using var response = await Send(() => new HttpRequestMessage(HttpMethod.Get, "/api/tokens/revoked"), cancel);
        await Ensure(response);
        return (await response.Content.ReadFromJsonAsync(Server.Api.ApiJson.Default.ListRevokedToken, cancel))!;
    }

    public async Task WriteJobData(string id, string dir, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(dir);
        // results.jsonl streams from the store's cursor to the file: never one string in memory.
        foreach (var file in new[] { "results.jsonl", "telemetry.jsonl", "spec.yaml" })
        {
            using var response = await Send(() => new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{Uri.EscapeDataString(id)}/{file}"), cancel);
            if (response.StatusCode == HttpStatusCode.NotFound) throw new UsageException($"unknown job '{Printable.Escape(id)}'");
            await Ensure(response);
            await Experiments.Files.AtomicFile.WriteAsync(Path.Combine(dir, file), async w =>
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancel);
                using var reader = new StreamReader(body);
                var buffer = new char[1 << 16];
                int n;
                while ((n = await reader.ReadAsync(buffer, cancel)) > 0) await w.WriteAsync(buffer.AsMemory(0, n), cancel);
            });
        }
    }

    public void Dispose()
    {
        foreach (var e in _endpoints) e.Http.Dispose();
    }
}
