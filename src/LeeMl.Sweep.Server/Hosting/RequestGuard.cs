using LeeMl.Sweep.Server.Security;
using LeeMl.Sweep.Cluster.Security;
using LeeMl.Sweep.Server.Api;
using Microsoft.AspNetCore.Http;

namespace LeeMl.Sweep.Server.Hosting;

/// <summary>
/// Who may do what over HTTP, before any endpoint runs.
/// With TLS every request is authenticated: by a client (or node) certificate of the cluster —
/// checked in the handshake — or by an access token (<c>certs token</c>) in an
/// <c>Authorization: Bearer</c> header, or the browser session <c>/login?token=</c> opens; a viewer
/// token reads only, and a revoked one (TokenRevocations) nothing. Without TLS the node is on
/// loopback, where every account of the machine reaches it, so it asks for the secret it wrote for
/// its own user (<see cref="LocalSecrets"/>), in the same header or through <c>/login</c> —
/// unless started with <c>--open-api</c>. A browser's cookie holds a session of this node process
/// (<see cref="BrowserSessions"/>), never the token or the secret.
/// Either way, a request a browser sends from another site's page to change something is refused
/// by its Origin; and a node on loopback without TLS answers only to loopback host names, so a
/// name that a hostile DNS points at 127.0.0.1 cannot read it from a page.
/// </summary>
public static class RequestGuard
{
    /// <summary>The session cookie of the node serving on <paramref name="port"/> (one per port: nodes of one host do not overwrite each other's).</summary>
    public static string CookieFor(int port) => $"leeml_session_{port}";

    public static Func<HttpContext, RequestDelegate, Task> For(HttpEndpoint endpoint, ClusterTls? tls, TokenRevocations? revocations, string? localSecret, BrowserSessions sessions, string cluster = AccessTokens.DefaultCluster)
    {
        var loopbackOnly = tls is null && Exposure.IsLoopback(endpoint.Host);
        var cookie = CookieFor(endpoint.Port);
        return async (http, next) =>
        {
            var request = http.Request;
            var safe = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
            if (loopbackOnly && !Exposure.IsLoopback(request.Host.Host))
            {
                await ApiEndpoints.Error(421, "this node serves loopback names only (localhost, 127.0.0.1)").ExecuteAsync(http);
                return;
            }
            if ((Health.NodeHealth.IsHealthPath(request.Path) || Metrics.NodeMetrics.IsMetricsPath(request.Path)) && safe)
            {
                await next(http);   // an orchestrator's probes and a metrics scraper carry no credentials; the answers hold statuses and counts only
                return;
            }
            if (!safe && CrossSite(request))
            {
                await ApiEndpoints.Error(403, "a request from another site's page is refused").ExecuteAsync(http);
                return;
            }
            var bearer = request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
            var session = sessions.Find(request.Cookies[cookie], DateTimeOffset.UtcNow);
            if (tls is not null && http.Connection.ClientCertificate is null)
            {
                if (request.Path == "/login")
                {
                    await Login(http, cookie, sessions, secure: true, async token => await Admit(http, token, tls, revocations, cluster));
                    return;
                }
                var (claims, refusal) = bearer is not null ? await Admit(http, bearer, tls, revocations, cluster)
                    : session is { Claims: { } c } ? StillValid(c, revocations)
                    : (null, "no client certificate, token or session");
                if (claims is null && !request.Path.StartsWithSegments("/assets"))
                {
                    await Refuse(http, refusal!, TlsHow);
                    return;
                }
                if (claims is not null) http.Items[typeof(TokenClaims)] = claims;
                if (claims is { Role: TokenRole.Viewer } && !safe)
                {
                    await ApiEndpoints.Error(403, $"{claims.Name}'s token is read-only (certs token --operator makes one that may cancel and submit)").ExecuteAsync(http);
                    return;
                }
            }
            else if (tls is null && localSecret is not null)
            {
                if (request.Path == "/login")
                {
                    await Login(http, cookie, sessions, secure: false, token => ValueTask.FromResult<(TokenClaims?, string?)>(
                        LocalSecrets.Matches(token, localSecret) ? (null, null) : (null, "that is not this node's secret")), local: true);
                    return;
                }
                if (!LocalSecrets.Matches(bearer, localSecret) && session is null && !request.Path.StartsWithSegments("/assets"))
                {
                    await Refuse(http, bearer is null ? "no secret" : "not this node's secret",
                        $"run the client as the user who started the node (it reads the secret from {LocalSecrets.FileOf(endpoint.Host, endpoint.Port)}); in a browser open the /login link the node printed at start");
                    return;
                }
            }
            await next(http);
        };
    }

    private const string TlsHow = "present a client certificate of the cluster, or an access token (leeml-sweep certs token DIR; in a browser open /login?token=TOKEN once)";

    /// <summary>
    /// <c>/login?token=T</c>: a valid token (or the local secret) opens a session of this node, kept
    /// in an HTTP-only, same-site cookie, and the browser goes to the dashboard.
    /// </summary>
    private static async Task Login(HttpContext http, string cookie, BrowserSessions sessions, bool secure,
        Func<string, ValueTask<(TokenClaims? Claims, string? Refusal)>> admit, bool local = false)
    {
        var token = http.Request.Query["token"].ToString();
        var (claims, refusal) = await admit(token);
        if (claims is null && !local || refusal is not null)
        {
            await Refuse(http, refusal ?? "no token", local ? "open the /login link the node printed at start" : TlsHow);
            return;
        }
        if (sessions.Open(claims, DateTimeOffset.UtcNow) is not { } id)
        {
            await ApiEndpoints.Error(503, "this node holds as many browser sessions as it keeps; try again later").ExecuteAsync(http);
            return;
        }
        http.Response.Cookies.Append(cookie, id, new CookieOptions
        {
            HttpOnly = true, Secure = secure, SameSite = SameSiteMode.Strict, Path = "/", MaxAge = BrowserSessions.DefaultLifetime,
        });
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Redirect("/");
    }

    /// <summary>A session's token claims, while the token has neither expired nor been revoked.</summary>
    private static (TokenClaims? Claims, string? Refusal) StillValid(TokenClaims claims, TokenRevocations? revocations) =>
        revocations is not null && revocations.IsRevoked(claims.Id) ? (null, $"the token {claims.Id} was revoked")
        : claims.Expires <= DateTimeOffset.UtcNow ? (null, "the token has expired")
        : (claims, null);

    /// <summary>The token's claims when it is valid and not revoked; else why not.</summary>
    private static async ValueTask<(TokenClaims? Claims, string? Refusal)> Admit(HttpContext http, string? token, ClusterTls tls, TokenRevocations? revocations, string cluster)
    {
        if (AccessTokens.Verify(token, tls.Authority, cluster, DateTimeOffset.UtcNow, out var refusal) is not { } claims) return (null, refusal);
        if (revocations is null) return (claims, null);
        if (!await revocations.EnsureLoaded(http.RequestAborted)) return (null, "this node cannot read the revoked tokens from its store yet");
        return revocations.IsRevoked(claims.Id) ? (null, $"the token {claims.Id} was revoked") : (claims, null);
    }

    /// <summary>Whether a long request (an event stream) may go on: its token, if it came with one, has not expired or been revoked since.</summary>
    public static bool StillAdmitted(HttpContext http) =>
        http.Items[typeof(TokenClaims)] is not TokenClaims claims
        || (claims.Expires > DateTimeOffset.UtcNow && !(http.RequestServices.GetService(typeof(TokenRevocations)) is TokenRevocations r && r.IsRevoked(claims.Id)));

    private static async Task Refuse(HttpContext http, string why, string how)
    {
        if (http.Request.Path.StartsWithSegments("/api"))
        {
            await ApiEndpoints.Error(401, $"not authenticated ({why}): {how}").ExecuteAsync(http);
            return;
        }
        http.Response.StatusCode = 401;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync($"LeeMl.Sweep: not authenticated ({why}).\n\nTo see this dashboard, {how}.\n");
    }

    private static bool CrossSite(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"].ToString() is "cross-site" or "same-site") return true;
        var origin = request.Headers.Origin.ToString();
        return origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }
}
