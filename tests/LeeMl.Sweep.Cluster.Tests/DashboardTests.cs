using LeeMl.Sweep.Tests;
using System.Globalization;
using System.Net.Http.Headers;
using LeeMl.Sweep.Cluster.Service;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// A coordinator-and-worker node serving HTTP, a job of trials that take seconds, and one headless
/// Chromium (Debian's, driven by PuppeteerSharp, no browser downloaded) with a page that reports
/// errors: started once for the steps of <see cref="DashboardTests"/>.
/// </summary>
public sealed class DashboardNode : ScenarioCluster
{
    public int Port { get; } = FreePorts.Next();
    public int Http { get; } = FreePorts.Next();
    internal CliProcess Node { get; private set; } = null!;
    internal LeeMl.Sweep.Cli.Client.SweepHttpClient Api { get; private set; } = null!;
    internal string Job { get; private set; } = null!;
    internal Uri Root => new($"http://127.0.0.1:{Http}");
    internal HttpClient Web { get; private set; } = null!;
    internal IBrowser Browser { get; private set; } = null!;
    internal IPage Page { get; private set; } = null!;
    internal List<string> Errors { get; } = [];

    // Trials of a few seconds each, so that a running trial has a live curve and the job outlasts the test.
    internal const string Spec = """
        name: dashboard
        data: { name: digits }
        models: [{ name: mlp, hidden: 128 }]
        epochs: 1000
        seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        grid:
          optimizer: [ { name: adam, lr: 0.003 }, { name: sgdm, lr: 0.05, momentum: 0.9 } ]
          schedule: [ constant, { name: one-cycle } ]
        """;

    public override async Task InitializeAsync()
    {
        Node = F.Node("coordinator,worker", Port, [Port], slots: 2, http: Http);
        Api = ClusterFixture.Client(Http);
        await ClusterFixture.WaitForWorkers(Api, 1, TimeSpan.FromSeconds(90));
        var reply = await Api.Submit(new SubmitRequest(Spec, "dashboard.yaml", []));
        Assert.Null(reply.Error);
        Job = reply.Id!;
        Web = ClusterFixture.LocalApi(Http, TimeSpan.FromSeconds(30));
        Browser = await LeeMl.Sweep.Tests.HeadlessChromium.Launch(Path.Combine(F.Dir, "chromium-profile"));
        Page = await Browser.NewPageAsync();
        await Page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 1000 });
        Page.Console += (_, e) => { if (e.Message.Type == PuppeteerSharp.ConsoleType.Error) Errors.Add(e.Message.Text); };
        Page.PageError += (_, e) => Errors.Add(e.Message);
        Page.Dialog += async (_, e) => await e.Dialog.Accept();
    }

    public override async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Web?.Dispose();
        Api?.Dispose();
        F.Dispose();
    }
}

/// <summary>
/// The dashboard as a user meets it: a node process serving HTTP with a running job, its event
/// stream read off the wire, and headless Chromium opening the list, the job — whose progress
/// rises without a reload — a trial, and cancelling the job. Screenshots are written beside the
/// test binaries (screenshots/). One node, steps in order, each a test of its own.
/// </summary>
[Trait("Category", "Browser")]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed class DashboardTests(DashboardNode node, ITestOutputHelper output) : IClassFixture<DashboardNode>
{
    [Fact, Step(1)]
    public async Task The_api_lists_the_running_job_and_its_event_stream_streams_progress_and_resumes_without_repeating()
    {
        var (job, web) = (node.Job, node.Web);
        // The JSON API lists the running job, as status --json does.
        var listed = await web.GetStringAsync("/api/jobs");
        Assert.Contains($"\"id\":\"{job}\"", listed);

        // Its event stream: at least three progress events within ten seconds, each with an id.
        var (events, lastId) = await ReadEvents(web, job, TimeSpan.FromSeconds(10), null);
        output.WriteLine($"{events} progress events in 10 s; last id {lastId}");
        Assert.True(events >= 3, $"{events} progress events in 10 s");
        Assert.NotNull(lastId);
        // Resumed with Last-Event-ID, the stream does not repeat that event.
        var (_, resumedFirst) = await ReadEvents(web, job, TimeSpan.FromSeconds(5), lastId, firstOnly: true);
        Assert.NotEqual(lastId, resumedFirst);

    }

    [Fact, Step(2)]
    public async Task Chromium_shows_the_list_the_job_with_progress_rising_without_a_reload_and_a_trial()
    {
        var (job, root, page) = (node.Job, node.Root, node.Page);
        var shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        // Without the node's secret the page is refused (in a tab of its own: a refused page logs an error in its console).
        await using (var outside = await node.Browser.NewPageAsync())
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await outside.GoToAsync(root.ToString())).Status);
        // The link the node printed at start opens a session and goes on to the list, where the DOM names the job once its scripts ran.
        var link = node.Node.Lines.First(l => l.StartsWith("dashboard: http://", StringComparison.Ordinal))["dashboard: ".Length..].Split(' ')[0];
        await page.GoToAsync(link, WaitUntilNavigation.Networkidle2);
        Assert.Equal(root.ToString(), page.Url);
        await page.WaitForSelectorAsync($"#job-table a[href='/jobs/{job}']", new WaitForSelectorOptions { Timeout = 15_000 });
        Assert.Contains(job, await page.GetContentAsync());

        // The job: progress rises without a reload; learning curves and the cell table appear.
        await page.GoToAsync(new Uri(root, $"/jobs/{job}").ToString());
        await page.WaitForSelectorAsync("#done-count", new WaitForSelectorOptions { Timeout = 15_000 });
        var before = int.Parse(await page.EvaluateExpressionAsync<string>("document.getElementById('done-count').textContent"), CultureInfo.InvariantCulture);
        await page.WaitForFunctionAsync($"() => Number(document.getElementById('done-count')?.textContent) > {before}", new WaitForFunctionOptions { Timeout = 90_000 });
        Assert.True(await page.EvaluateExpressionAsync<int>("window.dashboardEvents") > 0, "progress came through the event stream");
        await page.WaitForSelectorAsync("#cell-table", new WaitForSelectorOptions { Timeout = 60_000 });
        await page.WaitForSelectorAsync("#curves-chart canvas", new WaitForSelectorOptions { Timeout = 30_000 });
        await page.WaitForSelectorAsync("#live-chart canvas", new WaitForSelectorOptions { Timeout = 30_000 });
        await page.ScreenshotAsync(Path.Combine(shots, "dashboard-job.png"), new ScreenshotOptions { FullPage = true });
        output.WriteLine("screenshot: " + Path.Combine(shots, "dashboard-job.png"));
        var progressText = await page.EvaluateExpressionAsync<string>("document.getElementById('progress').textContent");
        Assert.Matches(@"\d+ / 40 trials", progressText);

        // A trial: its curve and telemetry.
        var trialHref = await page.EvaluateExpressionAsync<string>("document.querySelector('#trial-table a').getAttribute('href')");
        await page.GoToAsync(new Uri(root, trialHref).ToString());
        await page.WaitForSelectorAsync("#trial-summary", new WaitForSelectorOptions { Timeout = 15_000 });
        await page.WaitForSelectorAsync("#trial-accuracy canvas", new WaitForSelectorOptions { Timeout = 15_000 });
        Assert.Contains("Telemetry", await page.GetContentAsync());
        await page.ScreenshotAsync(Path.Combine(shots, "dashboard-trial.png"), new ScreenshotOptions { FullPage = true });

        Assert.True(node.Errors.Count == 0, string.Join("\n", node.Errors));
    }

    [Fact, Step(3)]
    public async Task Pause_and_resume_on_the_job_page_change_its_state_and_history_and_cancel_ends_it_cancelled()
    {
        var (job, root, page) = (node.Job, node.Root, node.Page);
        await page.GoToAsync(new Uri(root, $"/jobs/{job}").ToString());
        // The node's own account is an operator: its buttons show as the state allows.
        await page.WaitForSelectorAsync("#pause", new WaitForSelectorOptions { Timeout = 15_000, Visible = true });
        Assert.True(await page.EvaluateExpressionAsync<bool>("document.getElementById('resume').hidden"));
        await page.ClickAsync("#pause");
        await page.WaitForFunctionAsync("() => document.getElementById('notice').textContent.startsWith('pause: paused')", new WaitForFunctionOptions { Timeout = 15_000 });
        await page.WaitForFunctionAsync("() => document.getElementById('job-state')?.textContent === 'paused'", new WaitForFunctionOptions { Timeout = 30_000 });
        Assert.Equal(Experiments.Jobs.JobState.Paused, (await node.Api.Job(job))!.State);
        await page.WaitForSelectorAsync("#resume", new WaitForSelectorOptions { Timeout = 15_000, Visible = true });
        await page.ClickAsync("#resume");
        await page.WaitForFunctionAsync("() => document.getElementById('job-state')?.textContent === 'running'", new WaitForFunctionOptions { Timeout = 30_000 });
        Assert.Equal(["paused", "resumed"], (await node.Api.Job(job))!.History!.Select(h => h.What.Split(';')[0]));
        // Cancel from the job page (the confirmation is accepted): the job ends cancelled.
        await page.WaitForSelectorAsync("#cancel", new WaitForSelectorOptions { Timeout = 15_000, Visible = true });
        await page.ClickAsync("#cancel");
        await page.WaitForFunctionAsync("() => document.getElementById('notice').textContent.startsWith('cancel')", new WaitForFunctionOptions { Timeout = 15_000 });
        Assert.Equal("cancel: cancelled", await page.EvaluateExpressionAsync<string>("document.getElementById('notice').textContent"));
        var view = await node.Api.Job(job);
        Assert.Equal(Experiments.Jobs.JobState.Cancelled, view!.State);
        await page.WaitForFunctionAsync("() => document.getElementById('job-state')?.textContent === 'cancelled'", new WaitForFunctionOptions { Timeout = 30_000 });
        Assert.True(node.Errors.Count == 0, string.Join("\n", node.Errors));

    }

    [Fact, Step(4)]
    public async Task A_page_of_another_site_cannot_cancel_or_read_through_the_browser()
    {
        var (job, web, http) = (node.Job, node.Web, node.Http);
        // A page of another site cannot cancel through the browser: its Origin is refused.
        using var forged = new HttpRequestMessage(HttpMethod.Post, $"/api/jobs/{job}/cancel");
        forged.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await web.SendAsync(forged)).StatusCode);
        // Nor read it under a name that a hostile DNS points at 127.0.0.1.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/api/jobs");
        rebound.Headers.Host = $"evil.example:{http}";
        Assert.Equal((System.Net.HttpStatusCode)421, (await web.SendAsync(rebound)).StatusCode);
        Assert.False(node.Node.HasExited, node.Node.Output);
    }

    [Fact, Step(5)]
    public async Task Another_account_of_the_machine_can_neither_read_the_secret_nor_use_the_api_while_the_node_s_own_needs_no_option()
    {
        var file = Server.Security.LocalSecrets.FileOf("127.0.0.1", node.Http);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        // As the account nobody: read the secret file, list the jobs, cancel the job.
        const string script = """
            import sys, urllib.request, urllib.error
            try:
                open(sys.argv[1]).read(); print("read")
            except OSError:
                print("denied")
            for method, path in (("GET", "/api/jobs"), ("GET", "/api/jobs/" + sys.argv[3] + "/spec.yaml"), ("POST", "/api/jobs/" + sys.argv[3] + "/cancel")):
                try:
                    print(urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:" + sys.argv[2] + path, method=method, data=b"" if method == "POST" else None)).status)
                except urllib.error.HTTPError as e:
                    print(e.code)
            """;
        var other = new System.Diagnostics.ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--reuid=nobody", "--regid=nogroup", "--clear-groups", LeeMl.Sweep.Tests.RequiredTool.Find("python3", "/usr/bin/python3"), "-c", script, file, node.Http.ToString(CultureInfo.InvariantCulture), node.Job }) other.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(other)!;
        var said = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, said + await p.StandardError.ReadToEndAsync());
        output.WriteLine("another account: " + said.Replace('\n', ' '));
        Assert.Equal(["denied", "401", "401", "401"], said.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // This account: the command line finds the secret by itself.
        var status = node.F.Start("status", node.Job, "--cluster", $"127.0.0.1:{node.Http}");
        Assert.True(status.WaitForExit(TimeSpan.FromSeconds(30)) && status.ExitCode == 0, status.Output);
        Assert.Contains(node.Job, status.Output);
    }

    [Fact, Step(6)]
    public async Task A_job_s_report_is_shown_in_a_sandbox_that_runs_its_own_script_and_cannot_reach_the_api()
    {
        var (job, root, page) = (node.Job, node.Root, node.Page);
        using var web = ClusterFixture.LocalApi(node.Http);
        await ClusterFixture.Until(async () => (await web.GetAsync($"/jobs/{job}/files/report.html")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "the job's report");
        using var file = await web.GetAsync($"/jobs/{job}/files/report.html");
        Assert.Equal("nosniff", file.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.StartsWith("sandbox allow-scripts; default-src 'none'", file.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        using var csv = await web.GetAsync($"/jobs/{job}/files/results.csv");
        Assert.Equal("attachment", csv.Content.Headers.ContentDisposition?.DispositionType);
        // In the browser (with the session of the earlier steps): the report's own script runs; a fetch of the API from it is refused.
        await page.GoToAsync(new Uri(root, $"/jobs/{job}/files/report.html").ToString());
        await page.WaitForFunctionAsync("() => document.body.getAttribute('data-tables') !== null", new WaitForFunctionOptions { Timeout = 15_000 });
        var reached = await page.EvaluateExpressionAsync<string>("fetch('/api/jobs', { credentials: 'include' }).then(r => 'read ' + r.status, () => 'refused')");
        Assert.Equal("refused", reached);
    }

    [Fact, Step(7)]
    public async Task Two_jobs_ticked_in_the_list_are_compared_side_by_side()
    {
        var (root, page) = (node.Root, node.Page);
        var errorsBefore = node.Errors.Count;   // the sandboxed report of step 6 was refused the API on purpose
        const string small = """
            name: small
            data: { synthetic: blobs, samples: 300, features: 4, seed: 1 }
            models: [{ name: mlp, hidden: 128 }]
            epochs: 5
            seeds: [1, 2]
            grid:
              optimizer: [ { name: adam, lr: 0.003 }, { name: sgdm, lr: 0.05, momentum: 0.9 } ]
              schedule: [ constant, { name: one-cycle } ]
            """;
        var reply = await node.Api.Submit(new SubmitRequest(small, "small.yaml", []));
        await ClusterFixture.Until(async () => (await node.Api.Job(reply.Id!))!.State == Experiments.Jobs.JobState.Done, TimeSpan.FromSeconds(60), "the small job");
        await page.GoToAsync(root.ToString());
        await page.WaitForSelectorAsync($"input[data-job='{node.Job}']", new WaitForSelectorOptions { Timeout = 15_000 });
        await page.ClickAsync($"input[data-job='{node.Job}']");
        await page.ClickAsync($"input[data-job='{reply.Id}']");
        await page.WaitForSelectorAsync("#compare-selected", new WaitForSelectorOptions { Timeout = 15_000, Visible = true });
        await page.ClickAsync("#compare-selected");
        await page.WaitForSelectorAsync("#compare-jobs", new WaitForSelectorOptions { Timeout = 30_000 });
        Assert.Equal(2, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#compare-jobs tbody tr').length"));
        // The page shows the cells the API finds in common (none when the cancelled job had finished no trial).
        var common = System.Text.Json.JsonDocument.Parse(await node.Web.GetStringAsync($"/api/compare?jobs={node.Job},{reply.Id}")).RootElement.GetProperty("common").GetArrayLength();
        Assert.Equal(common, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#compare-common tbody tr').length"));
        Assert.Contains($"The {common} cells they have in common", await page.EvaluateExpressionAsync<string>("document.getElementById('common-section').textContent"));
        Assert.True(node.Errors.Count == errorsBefore, string.Join("\n", node.Errors.Skip(errorsBefore)));

        // A TPE search and a random search of one space: their best values trial for trial, drawn together.
        var searches = new List<string>();
        foreach (var search in new[] { "{ method: tpe, samples: 20, seed: 4, parallelism: 2 }", "{ method: random, samples: 30, seed: 4 }" })
        {
            var id = (await node.Api.Submit(new SubmitRequest($"name: branin\nfunction: {{ name: branin }}\ngrid: {{ x1: {{ uniform: [-5, 10] }}, x2: {{ uniform: [0, 15] }} }}\nsearch: {search}\n", "branin.yaml", []))).Id!;
            await ClusterFixture.Until(async () => (await node.Api.Job(id))!.State == Experiments.Jobs.JobState.Done, TimeSpan.FromSeconds(60), "the search " + search);
            searches.Add(id);
        }
        var compared = System.Text.Json.JsonDocument.Parse(await node.Web.GetStringAsync($"/api/compare?jobs={searches[0]},{searches[1]}")).RootElement.GetProperty("jobs");
        Assert.Equal([20, 30], compared.EnumerateArray().Select(j => j.GetProperty("search").GetProperty("best_by_trial").GetArrayLength()));
        await page.GoToAsync(new Uri(root, $"/compare?jobs={searches[0]},{searches[1]}").ToString());
        await page.WaitForSelectorAsync("#compare-search-chart .uplot", new WaitForSelectorOptions { Timeout = 30_000 });
        Assert.Contains("TPE, 20 samples per cell", await page.EvaluateExpressionAsync<string>("document.getElementById('compare-search-section').textContent"));
        Assert.True(node.Errors.Count == errorsBefore, string.Join("\n", node.Errors.Skip(errorsBefore)));

        // The finished small job, extended from its page with a spec file of one more seed.
        var larger = Path.Combine(node.F.Dir, "small-larger.yaml");
        File.WriteAllText(larger, small.Replace("seeds: [1, 2]", "seeds: [1, 2, 3]", StringComparison.Ordinal));
        await page.GoToAsync(new Uri(root, $"/jobs/{reply.Id}").ToString());
        await page.WaitForSelectorAsync("#extend", new WaitForSelectorOptions { Timeout = 15_000, Visible = true });
        await (await page.QuerySelectorAsync("#extend-file")).UploadFileAsync(larger);
        await page.WaitForFunctionAsync("() => document.getElementById('notice').textContent.startsWith('extend')", new WaitForFunctionOptions { Timeout = 30_000 });
        Assert.Equal("extend: extended from 8 to 12 trials", await page.EvaluateExpressionAsync<string>("document.getElementById('notice').textContent"));
        await ClusterFixture.Until(async () => (await node.Api.Job(reply.Id!)) is { State: Experiments.Jobs.JobState.Done, Done: 12 }, TimeSpan.FromSeconds(60), "the extended job");
        Assert.True(node.Errors.Count == errorsBefore, string.Join("\n", node.Errors.Skip(errorsBefore)));
    }

    /// <summary>Counts the progress events of a job's stream for <paramref name="duration"/> (or up to the first), and the last id seen.</summary>
    private static async Task<(int Events, string? LastId)> ReadEvents(HttpClient web, string job, TimeSpan duration, string? lastEventId, bool firstOnly = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{job}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        using var cancel = new CancellationTokenSource(duration);
        using var response = await web.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        int events = 0;
        string? id = null, last = null;
        try
        {
            while (await reader.ReadLineAsync(cancel.Token) is { } line)
            {
                if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
                else if (line == "event: progress")
                {
                    events++;
                    last = id;
                    if (firstOnly) break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the time is up
        }
        return (events, last);
    }
}
