using LeeMl.Sweep.Server.Security;
using System.Net;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Security;
using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Cluster.Workers;
using LeeMl.Sweep.Server.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeeMl.Sweep.Server.Hosting;

/// <summary>Where a node serves HTTP: health and readiness, and on a coordinator the API and the dashboard.</summary>
/// <param name="Secret">Without TLS: the secret the API asks for (<see cref="Security.LocalSecrets"/>); null serves it to anyone who reaches it.</param>
public sealed record HttpEndpoint(string Host, int Port, string? Secret = null);

/// <summary>
/// A node's process host (Microsoft.Extensions.Hosting): the Akka.NET node, and on nodes that
/// serve HTTP, Kestrel in the same process — health and readiness on every one, the API and the
/// dashboard on coordinators.
/// Nothing is read from the environment or files behind the caller's back: settings come bound.
/// </summary>
public static class NodeHost
{
    public static IHost Build(NodeRuntime runtime, WorkerOptions? worker, ClusterTls? tls, HttpEndpoint? http, Action<ILoggingBuilder> logging)
    {
        if (http is null)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "leeml-sweep" });
            builder.Configuration.Sources.Clear();
            Configure(builder.Services, builder.Logging, runtime, worker, tls, logging);
            return builder.Build();
        }
        var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "leeml-sweep", Args = [] });
        web.Configuration.Sources.Clear();
        Configure(web.Services, web.Logging, runtime, worker, tls, logging);
        Metrics.NodeMetrics.AddTo(web.Services, runtime);
        web.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(Address(http.Host), http.Port, listen =>
            {
                if (tls is null) return;
                // With TLS the API is HTTPS; a client presents a certificate of the cluster (a client's or a node's),
                // checked here, or else an access token, checked by RequestGuard before any endpoint.
                listen.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
                {
                    ServerCertificate = tls.Certificate,
                    ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate,
                    CheckCertificateRevocation = false,
                    ClientCertificateValidation = (certificate, _, _) => tls.Refusal(certificate, CertificateRole.Client, CertificateRole.Node) is null,
                    HandshakeTimeout = TimeSpan.FromSeconds(5),
                });
            });
        });
        var app = web.Build();
        app.Use(RequestGuard.For(http, tls, app.Services.GetService<TokenRevocations>(), tls is null ? http.Secret : null, new BrowserSessions(BrowserSessions.DefaultLifetime), runtime.Settings.ClusterName));
        app.Use(StoreUnavailable.Middleware(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LeeMl.Sweep.Api")));
        Health.NodeHealth.Map(app);
        Metrics.NodeMetrics.Map(app);
        if (runtime.Store is null) return app;   // a worker serves its health and metrics only
        ApiEndpoints.Map(app);
        Dashboard.DashboardApi.Map(app);
        Dashboard.DashboardEndpoints.Map(app);
        return app;
    }

    /// <summary>An address, or a name resolved to one (localhost).</summary>
    private static IPAddress Address(string host) =>
        IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host).FirstOrDefault() ?? throw new IOException($"'{host}' does not resolve to an address");

    private static void Configure(IServiceCollection services, ILoggingBuilder logBuilder, NodeRuntime runtime, WorkerOptions? worker, ClusterTls? tls, Action<ILoggingBuilder> logging)
    {
        logBuilder.ClearProviders();
        logging(logBuilder);
        services.AddSingleton<IHostLifetime, Microsoft.Extensions.Hosting.Internal.ConsoleLifetime>();
        services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        services.AddSweepNode(runtime, worker, tls);
        Health.NodeHealth.AddTo(services, runtime);
        if (runtime.Store is not null)
        {
            var jobs = new JobService(runtime);
            services.AddSingleton(jobs);
            services.AddSingleton(Dashboard.DashboardApi.ProgressFeed(jobs));
        }
        if (tls is not null) services.AddSingleton(tls);
        if (tls is not null && runtime.Store is not null)
        {
            services.AddSingleton(new TokenRevocations(runtime.Store));
            services.AddHostedService<TokenRevocationRefresher>();
        }
    }
}
