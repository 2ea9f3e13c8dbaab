using System.Data.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LeeMl.Sweep.Server.Api;

/// <summary>
/// A request that needs the store while the store does not answer (a database outage) is answered
/// 503 with one line, which clients take as "try another coordinator, or later" — and the node says
/// so at most once a minute, instead of a stack trace for every request.
/// </summary>
public static class StoreUnavailable
{
    public static readonly TimeSpan TellEvery = TimeSpan.FromMinutes(1);

    public static Func<HttpContext, RequestDelegate, Task> Middleware(ILogger log)
    {
        var lastTold = DateTimeOffset.MinValue;
        var gate = new object();
        return async (http, next) =>
        {
            try
            {
                await next(http);
            }
            catch (DbException e) when (!http.Response.HasStarted)
            {
                var now = DateTimeOffset.UtcNow;
                bool tell;
                lock (gate)
                {
                    tell = now - lastTold >= TellEvery;
                    if (tell) lastTold = now;
                }
                if (tell) log.LogWarning("the store does not answer ({Cause}); requests that need it are answered 503 until it does", e.Message);
                await ApiEndpoints.Error(503, "the store does not answer; try again shortly").ExecuteAsync(http);
            }
        };
    }
}
