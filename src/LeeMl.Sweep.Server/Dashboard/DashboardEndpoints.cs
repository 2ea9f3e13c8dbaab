using System.Reflection;
using System.Text.RegularExpressions;
using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Server.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LeeMl.Sweep.Server.Dashboard;

/// <summary>
/// The dashboard's pages and files: <c>/</c> (the jobs), <c>/jobs/ID</c> (one job, live),
/// <c>/jobs/ID/trials/KEY</c> (one trial), the embedded scripts under <c>/assets/</c>, and a
/// job's files from its folder on this node. The pages are fixed shells; their script reads the
/// JSON API, so every number on a page is one the API gives. Nothing is read from disk but the
/// files of a job folder, by a name from a fixed pattern.
/// </summary>
public static partial class DashboardEndpoints
{
    private static readonly Assembly Here = typeof(DashboardEndpoints).Assembly;

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".html"] = "text/html; charset=utf-8",
        [".md"] = "text/markdown; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".jsonl"] = "application/jsonl; charset=utf-8",
        [".csv"] = "text/csv; charset=utf-8",
        [".yaml"] = "text/yaml; charset=utf-8",
        [".png"] = "image/png",
        [".svg"] = "image/svg+xml",
        [".LICENSE"] = "text/plain; charset=utf-8",
    };

    /// <summary>The files of a job folder anyone may download: reports, results, figures — not the database or the data cache.</summary>
    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,80}\.(html|md|json|jsonl|csv|yaml|png|svg)$")]
    private static partial Regex JobFileName();

    // The pages load only what this node serves; inline scripts and other origins are refused.
    private const string Policy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Page("index", "Jobs", ""));
        app.MapGet("/jobs/{id}", (string id) => JobIds.IsValid(id) ? Page("job", "Job", id) : Results.NotFound());
        app.MapGet("/compare", () => Page("compare", "Compare jobs", ""));
        app.MapGet("/jobs/{id}/trials/{key}", (string id, string key) => JobIds.IsValid(id) && key.Length <= 10_000 ? Page("trial", "Trial", id) : Results.NotFound());
        app.MapGet("/assets/{name}", (string name, HttpContext http) =>
        {
            var stream = Here.GetManifestResourceStream("dashboard/" + name);
            if (stream is null) return Results.NotFound();
            http.Response.Headers.CacheControl = "no-cache";
            return Results.Stream(stream, ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"));
        });
        app.MapGet("/jobs/{id}/files/{name}", (string id, string name, JobService jobs, HttpContext http) =>
        {
            if (JobFile(jobs, id, name) is not { } path) return ApiEndpoints.Error(404, $"no such file of job '{Experiments.Text.Printable.Escape(id)}'");
            // A job's files hold text from its data: reports and figures are shown in a sandbox of their own
            // (an opaque origin: no cookie, no API of this node), and everything else is a download.
            var extension = Path.GetExtension(name);
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            http.Response.Headers.ContentSecurityPolicy = extension switch
            {
                ".html" => $"sandbox allow-scripts; default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src {Reporting.Rendering.HtmlReport.PageScriptHash}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                _ => "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'",
            };
            return Results.File(path, ContentTypes[extension], extension is ".html" or ".png" or ".svg" ? null : name);
        });
    }

    /// <summary>A job folder's downloadable files (name and size), in name order.</summary>
    public static IReadOnlyList<(string Name, long Size)> JobFiles(JobService jobs, string id)
    {
        var dir = new DirectoryInfo(jobs.FolderOf(id));
        if (!dir.Exists) return [];
        return [.. dir.EnumerateFiles().Where(f => JobFileName().IsMatch(f.Name) && f.LinkTarget is null)
            .OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => (f.Name, f.Length))];
    }

    /// <summary>The path of a job's file by its bare name, or null: the name must fit the pattern, and the file be a regular file directly in the folder.</summary>
    private static string? JobFile(JobService jobs, string id, string name)
    {
        if (!JobIds.IsValid(id) || !JobFileName().IsMatch(name)) return null;
        var file = new FileInfo(Path.Combine(jobs.FolderOf(id), name));
        return file.Exists && file.LinkTarget is null && file.Directory?.FullName == Path.GetFullPath(jobs.FolderOf(id)).TrimEnd('/') ? file.FullName : null;
    }

    private static IResult Page(string page, string title, string id) => new PageResult(page, title, id);

    /// <summary>A page shell: the scripts do the rest. The job id is written as an HTML-encoded attribute.</summary>
    private sealed class PageResult(string page, string title, string id) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = "text/html; charset=utf-8";
            http.Response.Headers.ContentSecurityPolicy = Policy;
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            http.Response.Headers.CacheControl = "no-cache";
            var e = System.Net.WebUtility.HtmlEncode(id);
            return http.Response.WriteAsync($$"""
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>{{title}} · LeeMl.Sweep</title>
                <link rel="icon" href="data:,">
                <link rel="stylesheet" href="/assets/uplot.min.css">
                <link rel="stylesheet" href="/assets/dashboard.css">
                <script src="/assets/uplot.iife.min.js" defer></script>
                <script src="/assets/dashboard.js" defer></script>
                </head>
                <body data-page="{{page}}" data-job="{{e}}">
                <header><a href="/" class="brand">LeeMl.Sweep</a><span id="connection" class="connection"></span></header>
                <main id="main"><p class="muted">Loading…</p></main>
                <noscript>The dashboard needs JavaScript; the same data is under /api (docs/api.md).</noscript>
                </body>
                </html>
                """);
        }
    }
}
