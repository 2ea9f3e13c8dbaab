using System.Text.Json;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Reporting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

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
        // Before the node has joined its cluster it has no job entities to ask: a client tries another node.
        api.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<JobService>().Ready ? await next(context) : Error(503, "this node has not joined its cluster yet"));
        TokenEndpoints.Map(api);
        api.MapGet("/jobs", async (HttpRequest request, JobService jobs, CancellationToken cancel) =>
        {
            if (Count(request, "limit", 200, 1, 1000) is not { } limit) return Error(400, "limit must be a whole number from 1 to 1000");
            if (Count(request, "offset", 0, 0, int.MaxValue) is not { } offset) return Error(400, "offset must be a whole number >= 0");
            return Results.Json(await jobs.Status(limit, offset, cancel), ServiceJson.Default.ClusterStatus);
        });
        api.MapGet("/jobs/{id}", async (string id, JobService jobs, CancellationToken cancel) =>
            !JobIds.IsValid(id) ? NotAnId(id) : await jobs.Job(id, cancel) is { } job ? Results.Json(job, ServiceJson.Default.JobView) : NotFound(id));
        api.MapPost("/jobs", async (HttpContext http, JobService jobs, CancellationToken cancel) =>
        {
            // A spec is at most a megabyte; its JSON string, escaped, a few times that.
            http.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = 8L * Experiments.Specs.SpecLimits.MaxBytes;
            SubmitRequest? submit;
            try
            {
                submit = await JsonSerializer.DeserializeAsync(http.Request.Body, ServiceJson.Default.SubmitRequest, cancel);
            }
            catch (JsonException e)
            {
                return Error(400, $"the request is not a job: {Experiments.Text.Printable.Escape(e.Message)}");
            }
            catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (e.StatusCode == 413)
            {
                return Error(413, $"the request is over {8 * Experiments.Specs.SpecLimits.MaxBytes:N0} bytes; a spec is at most {Experiments.Specs.SpecLimits.MaxBytes:N0}");
            }
            if (submit?.Problem() is { } problem || submit is null) return Error(400, submit is null ? "the request is not a job: spec, file and data are required" : submit.Problem()!);
            var reply = await jobs.Submit(submit, cancel);
            return reply.Error is null
                ? Results.Json(reply, ServiceJson.Default.SubmitReply, statusCode: 201)
                : Results.Json(reply, ServiceJson.Default.SubmitReply, statusCode: 400);
        });
        api.MapPost("/jobs/{id}/cancel", async (string id, JobService jobs, CancellationToken cancel) =>
            !JobIds.IsValid(id) ? NotAnId(id) : await jobs.Cancel(id, cancel) switch
            {
                CancelOutcome.Unknown => NotFound(id),
                var outcome => Results.Json(new CancelAnswer(id, outcome), ApiJson.Default.CancelAnswer),
            });
        // An operator's changes of a job: pause (?now=true: its running trials stop at once), resume, retry, extend.
        api.MapPost("/jobs/{id}/pause", (string id, bool? now, JobService jobs, CancellationToken cancel) =>
            Change(id, now == true ? JobChange.PauseNow : JobChange.Pause, null, jobs, cancel));
        api.MapPost("/jobs/{id}/resume", (string id, JobService jobs, CancellationToken cancel) => Change(id, JobChange.Resume, null, jobs, cancel));
        api.MapPost("/jobs/{id}/retry", async (string id, HttpContext http, JobService jobs, CancellationToken cancel) =>
            await ReadChange(http, cancel) is var (body, error) && error is not null ? error : await Change(id, JobChange.Retry, body, jobs, cancel));
        api.MapPost("/jobs/{id}/extend", async (string id, HttpContext http, JobService jobs, CancellationToken cancel) =>
            await ReadChange(http, cancel) is var (body, error) && error is not null ? error
            : body?.Spec is null ? Error(400, "give the larger spec: {\"spec\": \"...\", \"file\": \"name.yaml\"}")
            : await Change(id, JobChange.Extend, body, jobs, cancel));
        api.MapGet("/session", (HttpContext http) =>
            Results.Json(new SessionAnswer(http.Items[typeof(Security.TokenClaims)] is not Security.TokenClaims { Role: Security.TokenRole.Viewer }), ApiJson.Default.SessionAnswer));
        api.MapGet("/compare", Compare);
        api.MapGet("/jobs/{id}/results.jsonl", (string id, JobService jobs, HttpContext http) => StreamLines(id, jobs, http, result: true));
        api.MapGet("/jobs/{id}/telemetry.jsonl", (string id, JobService jobs, HttpContext http) => StreamLines(id, jobs, http, result: false));
        api.MapGet("/jobs/{id}/spec.yaml", async (string id, JobService jobs, CancellationToken cancel) =>
            !JobIds.IsValid(id) ? NotAnId(id) : await jobs.Stored(id, cancel) is { } job ? Results.Text(job.SpecText, "text/yaml; charset=utf-8") : NotFound(id));
        api.MapGet("/jobs/{id}/output", async (string id, string? trial, long? after, JobService jobs, CancellationToken cancel) =>
            !JobIds.IsValid(id) ? NotAnId(id)
            : string.IsNullOrEmpty(trial) || trial.Length > 4096 ? Error(400, "give the trial's key: ?trial=KEY")
            : await jobs.TrialOutput(id, trial, Math.Max(0, after ?? 0), cancel) is { } output ? Results.Json(output, ServiceJson.Default.TrialOutputView)
            : Error(404, $"job {id} has no trial '{Experiments.Text.Printable.Escape(trial)}'"));
        api.MapGet("/nodes", async (JobService jobs) => Results.Json(await jobs.Nodes(), ApiJson.Default.IReadOnlyListNodeView));
        api.MapMethods("/blobs/{sha256}", ["HEAD"], async (string sha256, JobService jobs, CancellationToken cancel) =>
            !IsSha(sha256) ? Results.BadRequest() : await jobs.StoreOf.GetBlob(sha256.ToLowerInvariant(), cancel) is { } blob ? Results.Ok() : Results.NotFound());
        api.MapPut("/blobs/{sha256}", async (string sha256, HttpContext http, JobService jobs, CancellationToken cancel) =>
        {
            var request = http.Request;
            if (!IsSha(sha256)) return Error(400, "a data file is addressed by its SHA-256: 64 hex digits");
            if (request.ContentLength is not { } length) return Error(411, "give the data file's length (Content-Length)");
            if (length > jobs.MaxDataBytes) return Error(413, $"the data file is {length:N0} bytes, over this cluster's limit of {jobs.MaxDataBytes:N0} bytes (--max-data-size)");
            http.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = length;
            var name = Experiments.Text.Printable.Escape(Uri.UnescapeDataString(request.Headers["X-Data-Path"].FirstOrDefault() ?? sha256));
            try
            {
                await jobs.ShipData(new Experiments.Data.ShippedFile(name, sha256.ToLowerInvariant(), length), () => request.Body, ClientOf(http), cancel);
                return Results.NoContent();
            }
            catch (Cluster.Data.UploadBusyException e)
            {
                http.Response.Headers.RetryAfter = ((int)Cluster.Data.UploadBusyException.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Error(e.PerClient ? 429 : 503, e.Message);
            }
            catch (Cluster.Data.ShippingException e)
            {
                return Error(e.TooLarge ? 413 : 400, e.Message);
            }
        });
    }

    /// <summary>The jobs of <c>?jobs=A,B,...</c> side by side, each read from the store into a scratch folder (read-only for the jobs).</summary>
    private static async Task<IResult> Compare(string? jobs, JobService service, CancellationToken cancel)
    {
        var ids = (jobs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count is < 2 or > 20) return Error(400, "give two to twenty jobs: ?jobs=ID,ID");
        if (ids.FirstOrDefault(id => !JobIds.IsValid(id)) is { } bad) return NotAnId(bad);
        var scratch = Directory.CreateTempSubdirectory("leeml-compare-");
        try
        {
            var reports = new List<(string, Reporting.Analysis.SweepReport)>();
            foreach (var id in ids)
            {
                if (await service.Stored(id, cancel) is null) return NotFound(id);
                var dir = Path.Combine(scratch.FullName, id);
                await service.WriteJobData(id, dir, cancel);
                reports.Add((id, ReportFolder.Read(dir)));
            }
            var c = Reporting.Comparison.JobComparison.Of(reports);
            var searches = c.Searches;
            return Results.Json(new CompareAnswer(
                [.. c.Jobs.Select(j => new CompareJob(j.Label, j.Name, j.Done, j.Planned, j.Best?.Label, j.Best?.Validation.Mean ?? double.NaN,
                    j.Lecture is { } l ? new CompareLecture(l.Pairs, l.TrainDifference.Mean, l.ValidationDifference.Mean, l.Sentence) : null)
                {
                    Search = searches.Contains(j) && j.Search is { } s
                        ? new CompareSearch(s.Method, s.Measure.Axis, [.. s.BestByTrial.Select(v => double.IsFinite(v) ? s.Measure.Show(v) : (double?)null)])
                        : null,
                })],
                [.. c.Common.Select(x => new CompareCell(x.Cell, x.Label, [.. x.PerJob.Select(p => new CompareCellOfJob(p.Train.Mean, p.Validation.Mean, p.Gap.Mean, p.Completed))]))]),
                ApiJson.Default.CompareAnswer);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static async Task<IResult> Change(string id, JobChange change, ChangeRequest? body, JobService jobs, CancellationToken cancel)
    {
        if (!JobIds.IsValid(id)) return NotAnId(id);
        var reply = await jobs.Change(id, change, body?.Spec, body?.File, body?.Reason, cancel);
        return reply is null ? NotFound(id)
            : reply.Problem is { } problem ? Error(409, problem)
            : Results.Json(new ChangeAnswer(id, reply.Message), ApiJson.Default.ChangeAnswer);
    }

    /// <summary>A change's body, if it has one (at most the size of a spec, escaped).</summary>
    private static async Task<(ChangeRequest? Body, IResult? Error)> ReadChange(HttpContext http, CancellationToken cancel)
    {
        if (http.Request.ContentLength is 0 || (http.Request.ContentLength is null && !http.Request.Headers.ContainsKey("Transfer-Encoding"))) return (null, null);
        http.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = 8L * Experiments.Specs.SpecLimits.MaxBytes;
        try
        {
            return (await JsonSerializer.DeserializeAsync(http.Request.Body, ApiJson.Default.ChangeRequest, cancel), null);
        }
        catch (JsonException e)
        {
            return (null, Error(400, $"the request's body is not a change: {Experiments.Text.Printable.Escape(e.Message)}"));
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (e.StatusCode == 413)
        {
            return (null, Error(413, $"the request is over {8 * Experiments.Specs.SpecLimits.MaxBytes:N0} bytes; a spec is at most {Experiments.Specs.SpecLimits.MaxBytes:N0}"));
        }
    }

    /// <summary>Who sent a request, for limits per client: its token, its client certificate, or else its address (every local user of a node without TLS is one client).</summary>
    private static string ClientOf(HttpContext http) =>
        http.Items[typeof(Security.TokenClaims)] is Security.TokenClaims claims ? $"token:{claims.Id}"
        : http.Connection.ClientCertificate is { } cert ? $"certificate:{cert.Thumbprint}"
        : $"address:{http.Connection.RemoteIpAddress}";

    /// <summary>A job's lines in key order, streamed from the store's cursor (never the whole file in memory).</summary>
    private static async Task StreamLines(string id, JobService jobs, HttpContext http, bool result)
    {
        var cancel = http.RequestAborted;
        if (!JobIds.IsValid(id))
        {
            await NotAnId(id).ExecuteAsync(http);
            return;
        }
        if (await jobs.Stored(id, cancel) is null)
        {
            await NotFound(id).ExecuteAsync(http);
            return;
        }
        http.Response.ContentType = "application/jsonl; charset=utf-8";
        await using var writer = new StreamWriter(http.Response.Body, new System.Text.UTF8Encoding(false), 1 << 16);
        await foreach (var (line, telemetry) in JobFiles.Lines(jobs.StoreOf, id, cancel))
        {
            await writer.WriteAsync(result ? line : telemetry);
            await writer.WriteAsync('\n');
        }
    }

    public static IResult Error(int status, string message) => Results.Json(new ApiError(message), ApiJson.Default.ApiError, statusCode: status);

    /// <summary>A query count within its range, or its default when absent; null when it is given but not such a number.</summary>
    private static int? Count(HttpRequest request, string name, int fallback, int min, int max)
    {
        if (!request.Query.TryGetValue(name, out var values)) return fallback;
        return int.TryParse(values.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;
    }

    private static bool IsSha(string s) => s.Length == 64 && s.All(char.IsAsciiHexDigit);

    private static IResult NotAnId(string id) => Error(400, id.Length > JobIds.MaxLength
        ? $"a job id is at most {JobIds.MaxLength} characters; this one has {id.Length}"
        : $"'{Experiments.Text.Printable.Escape(id)}' is not a job id (letters, digits, '-', '_', '.')");

    private static IResult NotFound(string id) => Error(404, $"unknown job '{Experiments.Text.Printable.Escape(id)}'");
}
