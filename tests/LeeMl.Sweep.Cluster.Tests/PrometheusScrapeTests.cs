using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LeeMl.Sweep.Tests;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// Debian's Prometheus server scraping a coordinator and two workers on loopback every second
/// while a job runs: what its HTTP API answers about the job, and promtool's verdict on what each
/// node exports.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class PrometheusScrapeTests(ITestOutputHelper output) : IDisposable
{
    private const int Trials = 40;

    private readonly ClusterFixture _f = new();
    private Process? _prometheus;

    public void Dispose()
    {
        if (_prometheus is { HasExited: false } p) p.Kill(entireProcessTree: true);
        _prometheus?.Dispose();
        _f.Dispose();
    }

    private static string S(int n) => n.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Prometheus_sees_every_completed_trial_and_slots_busy_then_idle_and_promtool_passes_every_node()
    {
        Assert.True(File.Exists("/usr/bin/prometheus") && File.Exists("/usr/bin/promtool"), "Debian's prometheus package is not installed (./test.sh installs it)");
        int coordinator = FreePorts.Next(), w1 = FreePorts.Next(), w2 = FreePorts.Next();
        int[] http = [FreePorts.Next(), FreePorts.Next(), FreePorts.Next()];
        int[] seeds = [coordinator, w1];
        var c = _f.Node("coordinator", coordinator, seeds, http: http[0]);
        await c.WaitFor(o => o.Contains("joined the cluster", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the coordinator's join");
        _f.Node("worker", w1, seeds, slots: 1, extra: ["--http", S(http[1])]);
        _f.Node("worker", w2, seeds, slots: 1, extra: ["--http", S(http[2])]);
        using (var client = ClusterFixture.Client(http[0]))
            await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(60));

        var promPort = FreePorts.Next();
        var config = Path.Combine(_f.Dir, "prometheus.yml");
        File.WriteAllText(config, $$"""
            global: { scrape_interval: 1s, evaluation_interval: 1s }
            scrape_configs:
              - job_name: leeml
                static_configs:
                  - targets: [{{string.Join(", ", http.Select(p => $"'127.0.0.1:{S(p)}'"))}}]
            """);
        _prometheus = Process.Start(new ProcessStartInfo("/usr/bin/prometheus",
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_f.Dir, "tsdb")}", $"--web.listen-address=127.0.0.1:{S(promPort)}"])
        {
            RedirectStandardError = true, RedirectStandardOutput = true,
        })!;
        _prometheus.ErrorDataReceived += (_, _) => { };
        _prometheus.BeginErrorReadLine();
        _prometheus.BeginOutputReadLine();
        using var web = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{S(promPort)}"), Timeout = TimeSpan.FromSeconds(10) };
        await Until(async () => (await Get(web, "/-/ready")) is not null, "Prometheus ready");
        await Until(async () => await Scalar(web, "count(up == 1)") == 3, "all three nodes scraped");

        // 40 trials of about a quarter of a second each on two one-slot workers: several scrapes while slots are busy.
        var spec = _f.WriteSpec($$"""
            name: scraped
            data: { synthetic: blobs, samples: 2000, features: 8, seed: 3 }
            models: [{ name: mlp, hidden: 64 }]
            epochs: 120
            seeds: [{{string.Join(", ", Enumerable.Range(1, Trials / 2))}}]
            grid:
              optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
            """, "scraped.yaml");
        var results = ThreeProcessCluster.SubmitAndWait(_f, spec, http[0], "scraped-out");
        Assert.Equal(Trials, File.ReadAllLines(results).Length);

        await Until(async () => await Scalar(web, "sum(leeml_trials_ended_total{outcome=\"completed\"})") == Trials, $"{Trials} completed trials in Prometheus");
        Assert.Equal(Trials, await Scalar(web, "sum(leeml_results_committed_total{outcome=\"completed\"})"));
        Assert.True(await Scalar(web, "max(max_over_time(leeml_worker_slots_busy[5m]))") > 0, "no busy slot was ever scraped");
        await Until(async () => await Scalar(web, "sum(leeml_worker_slots_busy)") == 0, "idle slots after the job");
        Assert.Equal(2, await Scalar(web, "sum(leeml_worker_slots)"));

        foreach (var port in http)
        {
            using var node = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var text = await node.GetStringAsync($"http://127.0.0.1:{S(port)}/metrics");
            var check = Process.Start(new ProcessStartInfo("/usr/bin/promtool", ["check", "metrics"])
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            })!;
            await check.StandardInput.WriteAsync(text);
            check.StandardInput.Close();
            var said = await check.StandardOutput.ReadToEndAsync() + await check.StandardError.ReadToEndAsync();
            await check.WaitForExitAsync();
            Assert.True(check.ExitCode == 0, $"promtool on port {port}: {said}");
        }
    }

    private static async Task<string?> Get(HttpClient web, string path)
    {
        try
        {
            using var r = await web.GetAsync(path);
            return r.IsSuccessStatusCode ? await r.Content.ReadAsStringAsync() : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>An instant query's single value (NaN when it has none).</summary>
    private static async Task<double> Scalar(HttpClient web, string query)
    {
        var body = await Get(web, "/api/v1/query?query=" + Uri.EscapeDataString(query));
        if (body is null) return double.NaN;
        var result = JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? double.NaN
            : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    private async Task Until(Func<Task<bool>> done, string what)
    {
        for (var until = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < until; await Task.Delay(500))
            if (await done()) return;
        output.WriteLine(_f.Dir);
        Assert.Fail($"no {what} within 60 s");
    }
}
