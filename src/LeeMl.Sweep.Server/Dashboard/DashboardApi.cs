using System.Text;
using System.Text.Json;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Server.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LeeMl.Sweep.Server.Dashboard;

/// <summary>
/// The JSON the dashboard reads beyond the clients' API (docs/api.md): a job's trials a page at
/// a time in key order (filtered on the server), one trial with its curve and telemetry, the
/// running trials' live curves, report.json, the job's files, and a stream of Server-Sent Events
/// with the job's progress. Every read is bounded: a page, a report of fixed size, a live list.
/// </summary>
public static class DashboardApi
{
    /// <summary>How often the event stream looks for a change (so at most this many events per second, four).</summary>
    public static readonly TimeSpan EventPoll = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public const int LiveTrials = 24;

    /// <summary>A job's progress as its event streams show it: read once per <see cref="EventPoll"/> for all of them.</summary>
    public static SharedPoll<(JobView? View, IReadOnlyList<LiveTrial> Running)> ProgressFeed(JobService jobs) =>
        new(id => jobs.Progress(id, LiveTrials), EventPoll);

    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/jobs/{id}");
        api.AddEndpointFilter(async (context, next) =>
        {
            var id = (string)context.HttpContext.Request.RouteValues["id"]!;
            return JobIds.IsValid(id) ? await next(context) : ApiEndpoints.Error(400, $"'{Experiments.Text.Printable.Escape(id)}' is not a job id");
        });
        api.MapGet("/trials", Trials);
        api.MapGet("/trials/{key}", Trial);
        api.MapGet("/live", async (string id, JobService jobs, CancellationToken cancel) =>
            Results.Json(new LiveTrials(id, await jobs.RunningTrials(id, LiveTrials, cancel)), DashboardJson.Default.LiveTrials));
        api.MapGet("/report", async (string id, JobService jobs, CancellationToken cancel) =>
        {
            if (await jobs.Job(id, cancel) is not { } view) return ApiEndpoints.Error(404, $"unknown job '{id}'");
            var ready = jobs.RefreshFolder(view);
            var path = Path.Combine(jobs.FolderOf(id), "report.json");
            return ready && File.Exists(path)
                ? Results.File(path, "application/json; charset=utf-8")
                : Results.Json(new ReportPending(true), DashboardJson.Default.ReportPending, statusCode: 202);
        });
        api.MapGet("/files", (string id, JobService jobs) =>
            Results.Json(DashboardEndpoints.JobFiles(jobs, id).Select(f => new JobFileView(f.Name, f.Size, $"/jobs/{id}/files/{f.Name}")).ToList(), DashboardJson.Default.ListJobFileView));
        api.MapGet("/events", Events);
    }

    /// <summary>
    /// <c>?after=KEY&amp;limit=N&amp;q=TEXT&amp;outcome=O</c>: up to N results after KEY in key order whose
    /// key contains TEXT and whose outcome is O; <c>next</c> is the cursor of the following page.
    /// </summary>
    private static async Task<IResult> Trials(string id, HttpRequest request, JobService jobs, CancellationToken cancel)
    {
        if (await jobs.Stored(id, cancel) is null) return ApiEndpoints.Error(404, $"unknown job '{id}'");
        var limit = 50;
        if (request.Query.TryGetValue("limit", out var l) && !(int.TryParse(l.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= 1000))
            return ApiEndpoints.Error(400, "limit must be a whole number from 1 to 1000");
        var after = request.Query["after"].ToString();
        var q = request.Query["q"].ToString();
        TrialOutcome? outcome = null;
        if (request.Query["outcome"].ToString() is { Length: > 0 } o)
        {
            if (!TrialOutcomes.TryParse(o, out var parsed)) return ApiEndpoints.Error(400, "outcome must be completed, diverged, stopped or failed");
            outcome = parsed;
        }
        if (after.Length > 10_000 || q.Length > 200) return ApiEndpoints.Error(400, "after or q is too long");
        var filtered = q.Length > 0 || outcome is not null;
        var rows = new List<StoredResult>(limit + 1);
        // Unfiltered, the store pages by key; filtered, the cursor is read on until a page is full.
        await foreach (var r in jobs.StoreOf.Results(id, withCurves: false, after.Length > 0 ? after : null, filtered ? int.MaxValue : limit + 1, cancel))
        {
            if (q.Length > 0 && !r.Key.Contains(q, StringComparison.OrdinalIgnoreCase)) continue;
            if (outcome is { } wanted && r.Outcome != wanted) continue;
            rows.Add(r);
            if (rows.Count > limit) break;
        }
        var more = rows.Count > limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        return new JsonResult(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("trials");
            foreach (var r in rows)
            {
                w.WriteStartObject();
                w.WritePropertyName("result");
                w.WriteRawValue(r.Summary, skipInputValidation: true);
                w.WriteString("node", r.Node);
                w.WriteNumber("seconds", Math.Round(r.Seconds, 4));
                w.WriteNumber("attempt", r.Attempt);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (more) w.WriteString("next", rows[^1].Key);
            else w.WriteNull("next");
            w.WriteEndObject();
        });
    }

    /// <summary>One trial: its stored result with the whole curve and its telemetry, or, while it runs, its live curve.</summary>
    private static async Task<IResult> Trial(string id, string key, JobService jobs, CancellationToken cancel)
    {
        if (key.Length > 10_000) return ApiEndpoints.Error(400, "a trial key is at most 10,000 characters");
        if (await jobs.Stored(id, cancel) is not { } job) return ApiEndpoints.Error(404, $"unknown job '{id}'");
        var prints = jobs.RunsPrograms(job);
        var stored = await jobs.StoreOf.Result(id, key, cancel);
        var live = stored is null ? (await jobs.RunningTrials(id, Cluster.Protocol.MessageChecks.MaxLiveTrials, cancel)).FirstOrDefault(t => t.Key == key) : null;
        if (stored is null && live is null) return ApiEndpoints.Error(404, "this trial has no result yet and is not running now");
        var faults = new List<FaultWrite>();
        if (stored is not null)
            await foreach (var f in jobs.StoreOf.Faults(id, cancel))
                if (f.Index == stored.Index) faults.Add(f);
        return new JsonResult(w =>
        {
            w.WriteStartObject();
            w.WriteString("key", key);
            w.WriteBoolean("output", prints);   // a program's trial: its output is at /api/jobs/ID/output
            if (stored is not null)
            {
                w.WritePropertyName("result");
                w.WriteRawValue(stored.Line, skipInputValidation: true);
                w.WriteStartObject("telemetry");
                w.WriteString("node", stored.Node);
                w.WriteNumber("seconds", Math.Round(stored.Seconds, 4));
                w.WriteNumber("attempt", stored.Attempt);
                w.WriteStartArray("faults");
                foreach (var f in faults)
                {
                    w.WriteStartObject();
                    w.WriteNumber("attempt", f.Attempt);
                    w.WriteString("node", f.Node);
                    w.WriteString("error", f.Error);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            else w.WriteNull("result");
            w.WritePropertyName("running");
            if (live is null) w.WriteNullValue();
            else JsonSerializer.Serialize(w, live, DashboardJson.Default.LiveTrial);
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// Server-Sent Events: an event <c>progress</c> whenever the job's progress changes (counts,
    /// state, best, running trials' epochs), with <c>{"job": JOB, "running": [...]}</c>; its id names
    /// that progress, so a client that reconnects with <c>Last-Event-ID</c> gets the next event only
    /// when something changed since. <c>end</c> once the job is over.
    /// </summary>
    private static async Task Events(string id, HttpContext http, JobService jobs, SharedPoll<(JobView? View, IReadOnlyList<LiveTrial> Running)> feed)
    {
        var cancel = http.RequestAborted;
        if (await jobs.Stored(id, cancel) is null)
        {
            await ApiEndpoints.Error(404, $"unknown job '{id}'").ExecuteAsync(http);
            return;
        }
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var last = http.Request.Headers["Last-Event-ID"].FirstOrDefault();
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        await http.Response.WriteAsync("retry: 2000\n\n", cancel);
        await http.Response.Body.FlushAsync(cancel);
        Cluster.Metrics.SweepMetrics.StreamOpened();
        try
        {
            while (!cancel.IsCancellationRequested && Hosting.RequestGuard.StillAdmitted(http))
            {
                var (view, running) = await feed.Get(id, cancel);
                if (view is null) return;
                var eventId = ProgressId(view, running);
                if (eventId != last)
                {
                    var data = JsonSerializer.Serialize(new ProgressEvent(view, running), DashboardJson.Default.ProgressEvent);
                    await http.Response.WriteAsync($"id: {eventId}\nevent: progress\ndata: {data}\n\n", cancel);
                    await http.Response.Body.FlushAsync(cancel);
                    last = eventId;
                    quiet.Restart();
                }
                else if (quiet.Elapsed > KeepAlive)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", cancel);
                    await http.Response.Body.FlushAsync(cancel);
                    quiet.Restart();
                }
                if (view.State.IsOver())
                {
                    await http.Response.WriteAsync($"id: {eventId}\nevent: end\ndata: {{\"state\":\"{view.State.Name()}\"}}\n\n", cancel);
                    await http.Response.Body.FlushAsync(cancel);
                    return;
                }
                await Task.Delay(EventPoll, cancel);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // the viewer went away
        }
        finally
        {
            Cluster.Metrics.SweepMetrics.StreamClosed();
        }
    }

    /// <summary>A name for a job's progress: the same for the same counts, state, best and running epochs (not the clock).</summary>
    public static string ProgressId(JobView v, IReadOnlyList<LiveTrial> running)
    {
        var text = new StringBuilder().Append(v.State).Append('|').Append(v.Done).Append('|').Append(v.Failed).Append('|').Append(v.Diverged)
            .Append('|').Append(v.Stopped).Append('|').Append(v.Running).Append('|').Append(v.Queued).Append('|')
            .Append(double.IsFinite(v.BestValidation) ? v.BestValidation.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "-")
            .Append('|').Append(v.Quarantined.Count).Append('|').Append(v.Errors.Sum(e => e.Count));
        foreach (var t in running) text.Append('|').Append(t.Key.GetHashCode(StringComparison.Ordinal)).Append(':').Append(t.Epoch);
        var hash = Experiments.Planning.TrialPlan.Hash(text.ToString());
        return $"{v.Done}-{hash:x16}";
    }

    /// <summary>JSON written straight to the response (raw stored lines go in unparsed).</summary>
    private sealed class JsonResult(Action<Utf8JsonWriter> write) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = "application/json; charset=utf-8";
            await using var w = new Utf8JsonWriter(http.Response.Body);
            write(w);
            await w.FlushAsync();
        }
    }
}

public sealed record ReportPending([property: System.Text.Json.Serialization.JsonPropertyName("pending")] bool Pending);

public sealed record JobFileView(
    [property: System.Text.Json.Serialization.JsonPropertyName("name")] string Name,
    [property: System.Text.Json.Serialization.JsonPropertyName("size")] long Size,
    [property: System.Text.Json.Serialization.JsonPropertyName("url")] string Url);

/// <summary>One event of a job's stream: the job as <c>/api/jobs/ID</c> gives it, and its running trials.</summary>
public sealed record ProgressEvent(
    [property: System.Text.Json.Serialization.JsonPropertyName("job")] JobView Job,
    [property: System.Text.Json.Serialization.JsonPropertyName("running")] IReadOnlyList<LiveTrial> Running);

[System.Text.Json.Serialization.JsonSerializable(typeof(LiveTrials))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ReportPending))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<JobFileView>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ProgressEvent))]
// Live curves have gaps (an epoch without a validation set): NaN is written as null, as in results.jsonl.
[System.Text.Json.Serialization.JsonSourceGenerationOptions(UseStringEnumConverter = true, PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower,
    Converters = [typeof(FiniteOrNullConverter)])]
public sealed partial class DashboardJson : System.Text.Json.Serialization.JsonSerializerContext;
