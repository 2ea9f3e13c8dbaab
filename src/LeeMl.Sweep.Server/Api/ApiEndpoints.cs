using System.Text.Json;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Reporting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LeeMl.Sweep.Server.Api;

/// <summary>
/// The JSON API under /api (docs/api.md): what <c>submit</c>, <c>status</c>, <c>cancel</c> and
/// <c>fetch</c> call, answered by <see cref="JobService"/>. Any coordinator-role node answers
/// for every job: it reads them from the shared store.
/// </summary>
public static class ApiEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/jobs", async (JobService jobs, CancellationToken cancel) =>
            Results.Json(await jobs.Status(cancel), ServiceJson.Default.ClusterStatus));
        api.MapGet("/jobs/{id}", async (string id, JobService jobs, CancellationToken cancel) =>
            await jobs.Job(id, cancel) is { } job ? Results.Json(job, ServiceJson.Default.JobView) : NotFound(id));
        api.MapPost("/jobs", async (HttpRequest request, JobService jobs, CancellationToken cancel) =>
        {
            SubmitRequest? submit;
            try
            {
                submit = await JsonSerializer.DeserializeAsync(request.Body, ServiceJson.Default.SubmitRequest, cancel);
            }
            catch (JsonException e)
            {
                return Error(400, $"the request is not a job: {e.Message}");
            }
            if (submit is null || submit.SpecText is null || submit.SpecFile is null || submit.Data is null) return Error(400, "the request is not a job: spec, file and data are required");
            var reply = await jobs.Submit(submit, cancel);
            return reply.Error is null
                ? Results.Json(reply, ServiceJson.Default.SubmitReply, statusCode: 201)
                : Results.Json(reply, ServiceJson.Default.SubmitReply, statusCode: 400);
        });
        api.MapPost("/jobs/{id}/cancel", async (string id, JobService jobs, CancellationToken cancel) =>
            await jobs.Cancel(id, cancel) switch
            {
                CancelOutcome.Unknown => NotFound(id),
                var outcome => Results.Json(new CancelAnswer(id, outcome), ApiJson.Default.CancelAnswer),
            });
        api.MapGet("/jobs/{id}/results.jsonl", (string id, JobService jobs, HttpContext http) => StreamLines(id, jobs, http, result: true));
        api.MapGet("/jobs/{id}/telemetry.jsonl", (string id, JobService jobs, HttpContext http) => StreamLines(id, jobs, http, result: false));
        api.MapGet("/jobs/{id}/spec.yaml", async (string id, JobService jobs, CancellationToken cancel) =>
            await jobs.Stored(id, cancel) is { } job ? Results.Text(job.SpecText, "text/yaml; charset=utf-8") : NotFound(id));
        api.MapGet("/nodes", async (JobService jobs) => Results.Json(await jobs.Nodes(), ApiJson.Default.IReadOnlyListNodeView));
        api.MapMethods("/blobs/{sha256}", ["HEAD"], async (string sha256, JobService jobs, CancellationToken cancel) =>
            await jobs.StoreOf.GetBlob(sha256.ToLowerInvariant(), cancel) is { } blob ? Results.Ok() : Results.NotFound());
        api.MapPut("/blobs/{sha256}", async (string sha256, HttpRequest request, JobService jobs, CancellationToken cancel) =>
        {
            if (request.ContentLength is not { } length) return Error(411, "give the data file's length (Content-Length)");
            var name = Experiments.Text.Printable.Escape(Uri.UnescapeDataString(request.Headers["X-Data-Path"].FirstOrDefault() ?? sha256));
            try
            {
                await jobs.ShipData(new Experiments.Data.ShippedFile(name, sha256.ToLowerInvariant(), length), () => request.Body, cancel);
                return Results.NoContent();
            }
            catch (Cluster.Data.ShippingException e)
            {
                return Error(e.TooLarge ? 413 : 400, e.Message);
            }
        });
    }

    /// <summary>A job's lines in key order, streamed from the store's cursor (never the whole file in memory).</summary>
    private static async Task StreamLines(string id, JobService jobs, HttpContext http, bool result)
    {
        var cancel = http.RequestAborted;
        if (await jobs.Stored(id, cancel) is null)
        {
            await NotFound(id).ExecuteAsync(http);
            return;
        }
        http.Response.ContentType = "application/jsonl; charset=utf-8";
        await using var writer = new StreamWriter(http.Response.Body, new System.Text.UTF8Encoding(false), 1 << 16);
        await foreach (var (line, telemetry) in JobFolder.Lines(jobs.StoreOf, id, cancel))
        {
            await writer.WriteAsync(result ? line : telemetry);
            await writer.WriteAsync('\n');
        }
    }

    public static IResult Error(int status, string message) => Results.Json(new ApiError(message), ApiJson.Default.ApiError, statusCode: status);

    private static IResult NotFound(string id) => Error(404, $"unknown job '{Experiments.Text.Printable.Escape(id)}'");
}
