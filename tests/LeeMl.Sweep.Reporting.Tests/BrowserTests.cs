using LeeMl.Sweep.Experiments.Jobs;
using System.Diagnostics;
using System.Text.RegularExpressions;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Reporting.Tests;

/// <summary>
/// report.html in a real browser: Debian's headless Chromium (installed by ./test.sh) loads the file,
/// the page's own script counts decoded images and tables, and a screenshot is saved beside the report.
/// </summary>
[Trait("Category", "Browser")]
public sealed partial class BrowserTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("leeml-browser-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static readonly string Chromium = LeeMl.Sweep.Tests.SystemChromium.Path;

    private (int Code, string Stdout, string Stderr) Browse(params string[] args)
    {
        var psi = new ProcessStartInfo(Chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={Path.Combine(_root, "profile")}", "--enable-logging=stderr", "--v=0" }.Concat(args))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(90))) { p.Kill(true); throw new TimeoutException("chromium did not finish"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [GeneratedRegex("data-([a-z-]+)=\"(\\d+)\"")]
    private static partial Regex DataAttribute();

    [Fact]
    public void Report_html_loads_in_headless_chromium_with_every_table_and_image_and_no_console_errors()
    {
        var dir = SmallSweep.Folder(_root);
        ReportFolder.Render(dir, new JobProgress(51, 51, 0, JobState.Done));
        var html = Path.Combine(dir, "report.html");
        Assert.DoesNotContain("http://", File.ReadAllText(html).Replace("http://www.w3.org/2000/svg", ""));
        Assert.DoesNotContain("https://", File.ReadAllText(html));

        var url = new Uri(html).AbsoluteUri;
        var dom = Browse("--virtual-time-budget=5000", "--dump-dom", url);
        Assert.True(dom.Code == 0, dom.Stderr);
        var attributes = DataAttribute().Matches(dom.Stdout).ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(5, attributes["images"]);   // the lecture's figure, accuracy bars, learning curves, gaps, learning rates
        Assert.Equal(5, attributes["images-decoded"]);
        Assert.Equal(3, attributes["tables"]);   // the lecture's, the factors', the cells'

        Assert.DoesNotMatch("CONSOLE.*(Uncaught|Error)", dom.Stderr);

        var screenshot = Path.Combine(dir, "report-screenshot.png");
        var shot = Browse($"--screenshot={screenshot}", "--window-size=1280,2400", "--hide-scrollbars", url);
        Assert.True(shot.Code == 0, shot.Stderr);
        Assert.True(new FileInfo(screenshot).Length > 50_000, "a screenshot of the rendered report");
    }
}
