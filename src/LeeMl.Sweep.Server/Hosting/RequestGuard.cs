using LeeMl.Sweep.Server.Security;
using LeeMl.Sweep.Cluster.Security;
using LeeMl.Sweep.Server.Api;
using Microsoft.AspNetCore.Http;

namespace LeeMl.Sweep.Server.Hosting;

/// <summary>
/// Who may do what over HTTP, before any endpoint runs.
/// With TLS every request is authenticated: by a client (or node) certificate of the cluster —
/// checked in the handshake — or by an access token (<c>certs token</c>) in an
/// <c>Authorization: Bearer</c> header or the cookie <c>/login?token=</c> sets; a viewer token
/// reads only, and a revoked one (TokenRevocations) nothing. Without TLS the node is on loopback (or <c>--insecure</c>) and open to this machine.
/// Either way, a request a browser sends from another site's page to change something is refused
/// by its Origin; and a node on loopback without TLS answers only to loopback host names, so a
/// name that a hostile DNS points at 127.0.0.1 cannot read it from a page.
/// Command-line clients send no Origin and pass.
/// </summary>
public static class RequestGuard
{
    public const string Cookie = "leeml_token";

    public static Func<HttpContext, RequestDelegate, Task> For(HttpEndpoint endpoint, ClusterTls? tls, TokenRevocations? revocations)
    {
        var loopbackOnly = tls is null && Exposure.IsLoopback(endpoint.Host);
        return async (http, next) =>
        {
            var request = http.Request;
            var safe = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
            if (loopbackOnly && !Exposure.IsLoopback(request.Host.Host))
            {
                await ApiEndpoints.Error(421, "this node serves loopback names only (localhost, 127.0.0.1)").ExecuteAsync(http);
                return;
            }
            if (!safe && CrossSite(request))
            {
                await ApiEndpoints.Error(403, "a request from another site's page is refused").ExecuteAsync(http);
                return;
            }
            if (tls is not null && http.Connection.ClientCertificate is null)
            {
                if (request.Path == "/login")
                {
                    await Login(http, tls, revocations);
                    return;
                }
                var token = request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal)
                    ? header["Bearer ".Length..].Trim() : request.Cookies[Cookie];
                var (claims, refusal) = await Admit(http, token, tls, revocations);
                if (claims is null && !request.Path.StartsWithSegments("/assets"))
                {
                    await Refuse(http, refusal!);
                    return;
                }
                if (claims is not null) http.Items[typeof(TokenClaims)] = claims;
                if (claims is { Role: TokenRole.Viewer } && !safe)
                {
                    await ApiEndpoints.Error(403, $"{claims.Name}'s token is read-only (certs token --operator makes one that may cancel and submit)").ExecuteAsync(http);
                    return;
                }
            }
            await next(http);
        };
    }

    /// <summary><c>/login?token=T</c>: a valid token becomes an HTTP-only, same-site cookie for this node, and the browser goes to the dashboard.</summary>
    private static async Task Login(HttpContext http, ClusterTls tls, TokenRevocations? revocations)
    {
        var token = http.Request.Query["token"].ToString();
        var (admitted, refusal) = await Admit(http, token, tls, revocations);
        if (admitted is not { } claims)
        {
            await Refuse(http, refusal!);
            return;
        }
        http.Response.Cookies.Append(Cookie, token, new CookieOptions
        {
            HttpOnly = true, Secure = true, SameSite = SameSiteMode.Strict, Path = "/", Expires = claims.Expires,
        });
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Redirect("/");
    }

    /// <summary>The token's claims when it is valid and not revoked; else why not.</summary>
    private static async ValueTask<(TokenClaims? Claims, string? Refusal)> Admit(HttpContext http, string? token, ClusterTls tls, TokenRevocations? revocations)
    {
        if (AccessTokens.Verify(token, tls.Authority, DateTimeOffset.UtcNow, out var refusal) is not { } claims) return (null, refusal);
        if (revocations is null) return (claims, null);
        if (!await revocations.EnsureLoaded(http.RequestAborted)) return (null, "this node cannot read the revoked tokens from its store yet");
        return revocations.IsRevoked(claims.Id) ? (null, $"the token {claims.Id} was revoked") : (claims, null);
    }

    /// <summary>Whether a long request (an event stream) may go on: its token, if it came with one, has not expired or been revoked since.</summary>
    public static bool StillAdmitted(HttpContext http) =>
        http.Items[typeof(TokenClaims)] is not TokenClaims claims
        || (claims.Expires > DateTimeOffset.UtcNow && !(http.RequestServices.GetService(typeof(TokenRevocations)) is TokenRevocations r && r.IsRevoked(claims.Id)));

    private static async Task Refuse(HttpContext http, string why)
    {
        const string how = "present a client certificate of the cluster, or an access token (leeml-sweep certs token DIR; in a browser open /login?token=TOKEN once)";
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
