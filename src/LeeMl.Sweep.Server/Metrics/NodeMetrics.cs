using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Metrics;
using LeeMl.Sweep.Experiments.Jobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace LeeMl.Sweep.Server.Metrics;

/// <summary>
/// <c>/metrics</c> on every node with <c>--http</c>, in Prometheus's text format through
/// OpenTelemetry's Prometheus exporter: the node's own instruments (<see cref="SweepMetrics"/>),
/// the .NET runtime's (meter System.Runtime: collections, heap, threads, exceptions) and Kestrel's
/// and ASP.NET Core's. Like the health routes it answers without credentials: it holds counts and
/// timings, never a job id, a trial key or data.
/// </summary>
public static class NodeMetrics
{
    public const string Path = "/metrics";

    private static readonly (string From, string To)[] RuntimeRenames =
    [
        ("dotnet.assembly.count", "dotnet.assemblies.loaded"),
        ("dotnet.process.cpu.count", "dotnet.process.cpus"),
        ("dotnet.thread_pool.thread.count", "dotnet.thread_pool.threads"),
        ("dotnet.timer.count", "dotnet.timers"),
    ];

    public static void AddTo(IServiceCollection services, NodeRuntime runtime)
    {
        services.AddOpenTelemetry().WithMetrics(m =>
        {
            m.AddMeter(SweepMetrics.MeterName, "System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel").AddPrometheusExporter();
            // Gauges of the runtime named "...count" read as a summary's count to Prometheus (promtool flags them): named for what they hold.
            foreach (var (from, to) in RuntimeRenames) m.AddView(from, new MetricStreamConfiguration { Name = to });
        });
        if (runtime.Store is not null) services.AddHostedService<JobCounts>();
    }

    public static void Map(WebApplication app) => app.UseOpenTelemetryPrometheusScrapingEndpoint(Path);

    public static bool IsMetricsPath(PathString path) => path == Path;

    /// <summary>A coordinator counts its store's jobs by state every few seconds, for the jobs gauge (a scrape does not wait on the store).</summary>
    private sealed class JobCounts(NodeRuntime runtime, ILogger<JobCounts> log) : BackgroundService
    {
        private static readonly TimeSpan Every = TimeSpan.FromSeconds(5);
        private volatile IReadOnlyDictionary<JobState, int> _counts = new Dictionary<JobState, int>();

        protected override async Task ExecuteAsync(CancellationToken stop)
        {
            SweepMetrics.ObserveJobs(() => _counts);
            var failing = false;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    _counts = await runtime.Store!.CountJobs(stop);
                    failing = false;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    SweepMetrics.StoreError();
                    if (!failing) log.LogWarning("cannot count the jobs in the store for /metrics: {Cause}", e.GetBaseException().Message);
                    failing = true;
                }
                try
                {
                    await Task.Delay(Every, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
