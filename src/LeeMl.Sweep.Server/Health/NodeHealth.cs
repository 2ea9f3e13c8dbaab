using System.Text.Json;
using LeeMl.Sweep.Cluster.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LeeMl.Sweep.Server.Health;

/// <summary>
/// Liveness and readiness, for an orchestrator's probes: <c>/healthz</c> answers 200 while the
/// actor system runs (Akka.Hosting's liveness check); <c>/readyz</c> answers 200 only once the node
/// has joined its cluster (Akka.Cluster.Hosting's readiness check) and started its actors and, on a
/// coordinator, while its store answers — 503 before and otherwise. Both answer without
/// authentication and say nothing but each check's name and status.
/// </summary>
public static class NodeHealth
{
    public const string Live = "live", Ready = "ready";

    /// <summary>The checks that are not Akka's own: the node's actors started, and a coordinator's store reachable.</summary>
    public static void AddTo(IServiceCollection services, NodeRuntime runtime)
    {
        var checks = services.AddHealthChecks()
            .AddCheck("node-started", () => runtime.Ready.IsCompletedSuccessfully ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the node has not started its actors"), [Ready]);
        if (runtime.Store is { } store)
            checks.Add(new HealthCheckRegistration("store", _ => new StoreCheck(store), HealthStatus.Unhealthy, [Ready], TimeSpan.FromSeconds(3)));
    }

    /// <summary>Whether the routes answer without a token or secret.</summary>
    public static bool IsHealthPath(PathString path) => path == "/healthz" || path == "/readyz";

    public static void Map(WebApplication app)
    {
        app.MapHealthChecks("/healthz", Options(Live));
        app.MapHealthChecks("/readyz", Options(Ready));
    }

    private static HealthCheckOptions Options(string tag) => new()
    {
        Predicate = c => c.Tags.Contains(tag),
        ResponseWriter = Write,
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
    };

    /// <summary>{"status": "healthy", "checks": {"name": "healthy", ...}}.</summary>
    private static Task Write(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString().ToLowerInvariant());
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
                json.WriteString(name, entry.Status.ToString().ToLowerInvariant());
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return http.Response.Body.WriteAsync(buffer.ToArray()).AsTask();
    }

    /// <summary>A coordinator's store answers a query (within the check's timeout).</summary>
    private sealed class StoreCheck(Store.ISweepStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancel = default)
        {
            try
            {
                await store.ListJobs(1, 0, cancel);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy("the store does not answer");
            }
        }
    }
}
