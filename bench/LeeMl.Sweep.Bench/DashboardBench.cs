using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PuppeteerSharp;

namespace LeeMl.Sweep.Bench;

/// <summary>
/// The dashboard of a 20,000-trial job (run --http): how long its API answers while the job runs
/// and after, and how long the job's page takes in headless Chromium until its numbers, its cell
/// table and its first page of trials are drawn.
/// </summary>
internal static class DashboardBench
{
    private static string F(double x, string format = "F0") => x.ToString(format, CultureInfo.InvariantCulture);

    private static async Task<double> Milliseconds(HttpClient web, string path)
    {
        var clock = Stopwatch.StartNew();
        using var response = await web.GetAsync(path);
        await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{path}: {(int)response.StatusCode}");
        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task<string> Timed(HttpClient web, string what, string path, int times = 20)
    {
        var ms = new List<double>();
        for (var i = 0; i < times; i++) ms.Add(await Milliseconds(web, path));
        ms.Sort();
        return $"{what}: median {F(ms[ms.Count / 2], "F1")} ms, max {F(ms[^1], "F1")} ms";
    }

    public static async Task<int> Run()
    {
        var dir = Directory.CreateTempSubdirectory("leeml-dashboard-").FullName;
        var http = ScaleBench.FreePort();
        File.WriteAllText(Path.Combine(dir, "tiny.yaml"), ScaleBench.TinySpec());
        using var run = ScaleBench.Node(dir, "run", "tiny.yaml", "--out", "out", "--http", $"{http}", "--keep-serving");
        try
        {
            using var web = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}"), Timeout = TimeSpan.FromSeconds(30) };
            string? job = null;
            for (var i = 0; job is null; i++)
            {
                if (i > 600) throw new TimeoutException("run did not serve its job");
                try
                {
                    // run's API asks for the secret it wrote for this user, as the command line sends it.
                    web.DefaultRequestHeaders.Authorization ??= LeeMl.Sweep.Server.Security.LocalSecrets.Find($"127.0.0.1:{http}") is { } secret ? new("Bearer", secret) : null;
                    using var doc = JsonDocument.Parse(await web.GetStringAsync("/api/jobs"));
                    job = doc.RootElement.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()).FirstOrDefault();
                }
                catch (HttpRequestException) { }
                if (job is null) await Task.Delay(50);
            }
            // While it runs: /api/jobs/ID asked every 50 ms.
            var running = new List<double>();
            while (true)
            {
                var clock = Stopwatch.StartNew();
                var body = await web.GetStringAsync($"/api/jobs/{job}");
                var ms = clock.Elapsed.TotalMilliseconds;
                using var doc = JsonDocument.Parse(body);
                var state = doc.RootElement.GetProperty("state").GetString();
                if (state is not ("running" or "queued")) break;
                running.Add(ms);
                await Task.Delay(50);
            }
            running.Sort();
            Console.WriteLine($"dashboard of a 20,000-trial job: /api/jobs/ID while it ran, {running.Count} requests: median {F(running[running.Count / 2], "F1")} ms, max {F(running[^1], "F1")} ms (bar: 1 s)");
            for (var i = 0; ; i++)
            {
                using var doc = JsonDocument.Parse(await web.GetStringAsync($"/api/jobs/{job}"));
                if (doc.RootElement.GetProperty("state").GetString() is "done" or "failed") break;
                if (i > 600) throw new TimeoutException("the job did not end");
                await Task.Delay(100);
            }
            Console.WriteLine(await Timed(web, "after it ended, /api/jobs/ID", $"/api/jobs/{job}"));
            Console.WriteLine(await Timed(web, "/api/jobs", "/api/jobs"));
            Console.WriteLine(await Timed(web, "/api/jobs/ID/trials?limit=50", $"/api/jobs/{job}/trials?limit=50"));
            Console.WriteLine(await Timed(web, "/api/jobs/ID/trials?after=(the middle)&limit=50", $"/api/jobs/{job}/trials?limit=50&after={Uri.EscapeDataString("logistic|sgd(lr=0.05)|-|-|-|seed=1")}"));
            Console.WriteLine(await Timed(web, "/api/jobs/ID/trials?q=seed=199&limit=50 (filtered on the server, a scan)", $"/api/jobs/{job}/trials?limit=50&q=seed%3D199"));
            Console.WriteLine(await Timed(web, "/api/jobs/ID/report (report.json)", $"/api/jobs/{job}/report"));
            Console.WriteLine(await Timed(web, "/jobs/ID (the page's HTML)", $"/jobs/{job}"));

            await using var browser = await LeeMl.Sweep.Tests.HeadlessChromium.Launch(Path.Combine(dir, "profile"));
            await using var page = await browser.NewPageAsync();
            await page.GoToAsync($"http://127.0.0.1:{http}/login?token={web.DefaultRequestHeaders.Authorization!.Parameter}");   // a session; the browser's first start and the assets' first load
            var opened = new List<(double Numbers, double Cells, double Trials)>();
            for (var i = 0; i < 5; i++)
            {
                var clock = Stopwatch.StartNew();
                await page.GoToAsync($"http://127.0.0.1:{http}/jobs/{job}", WaitUntilNavigation.DOMContentLoaded);
                await page.WaitForSelectorAsync("#done-count");
                var numbers = clock.Elapsed.TotalMilliseconds;
                await page.WaitForSelectorAsync("#cell-table");
                var cells = clock.Elapsed.TotalMilliseconds;
                await page.WaitForSelectorAsync("#trial-table");
                opened.Add((numbers, cells, clock.Elapsed.TotalMilliseconds));
            }
            var m = opened.OrderBy(o => o.Trials).ElementAt(opened.Count / 2);
            Console.WriteLine($"/jobs/ID in headless Chromium (median of 5): progress numbers {F(m.Numbers)} ms, cell table {F(m.Cells)} ms, first page of trials {F(m.Trials)} ms (bar: under a second)");
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
