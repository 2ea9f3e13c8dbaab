using LeeMl.Sweep.Cluster.Security;
using LeeMl.Sweep.Server.Api;
using Microsoft.AspNetCore.Http;

namespace LeeMl.Sweep.Server.Hosting;

/// <summary>
/// What a browser could be made to do against a node: another web site's page posting to the API
/// (a cancel, a submit) is refused by its Origin; and a node on loopback without TLS answers only to
/// loopback host names, so a name that a hostile DNS points at 127.0.0.1 cannot read it from a page.
/// Command-line clients send no Origin and pass.
/// </summary>
public static class RequestGuard
{
    public static Func<HttpContext, RequestDelegate, Task> For(HttpEndpoint endpoint, bool tls)
    {
        var loopbackOnly = !tls && Exposure.IsLoopback(endpoint.Host);
        return async (http, next) =>
        {
            var request = http.Request;
            if (loopbackOnly && !Exposure.IsLoopback(request.Host.Host))
            {
                await ApiEndpoints.Error(421, "this node serves loopback names only (localhost, 127.0.0.1)").ExecuteAsync(http);
                return;
            }
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && CrossSite(request))
            {
                await ApiEndpoints.Error(403, "a request from another site's page is refused").ExecuteAsync(http);
                return;
            }
            await next(http);
        };
    }

    private static bool CrossSite(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"].ToString() is "cross-site" or "same-site") return true;
        var origin = request.Headers.Origin.ToString();
        return origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }
}
