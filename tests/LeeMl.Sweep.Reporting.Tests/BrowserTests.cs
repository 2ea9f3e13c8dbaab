using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Reporting.Tests;

/// <summary>
/// report.html in a real browser: Debian's headless Chromium (installed by ./test.sh), driven like
/// every browser test here, loads the file; the page's own script counts decoded images and tables,
/// and a screenshot is saved beside the report.
/// </summary>
[Trait("Category", "Browser")]
public sealed class BrowserTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("leeml-browser-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Report_html_loads_in_headless_chromium_with_every_table_and_image_and_no_console_errors()
    {
        var dir = SmallSweep.Folder(_root);
        ReportFolder.Render(dir, new JobProgress(51, 51, 0, JobState.Done));
        var html = Path.Combine(dir, "report.html");
        Assert.DoesNotContain("http://", File.ReadAllText(html).Replace("http://www.w3.org/2000/svg", ""));
        Assert.DoesNotContain("https://", File.ReadAllText(html));

        await using var browser = await HeadlessChromium.Launch(Path.Combine(_root, "profile"));
        await using var page = await browser.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, e) => { if (e.Message.Type == PuppeteerSharp.ConsoleType.Error) lock (errors) errors.Add(e.Message.Text); };
        page.PageError += (_, e) => { lock (errors) errors.Add(e.Message); };
        await page.SetViewportAsync(new PuppeteerSharp.ViewPortOptions { Width = 1280, Height = 2400 });
        await page.GoToAsync(new Uri(html).AbsoluteUri, new PuppeteerSharp.NavigationOptions { WaitUntil = [PuppeteerSharp.WaitUntilNavigation.Load], Timeout = 60_000 });
        await page.WaitForFunctionAsync("() => document.body.hasAttribute('data-images')", new PuppeteerSharp.WaitForFunctionOptions { Timeout = 30_000 });
        int Attribute(string name) => page.EvaluateExpressionAsync<int>($"Number(document.body.getAttribute('data-{name}'))").GetAwaiter().GetResult();
        Assert.Equal(5, Attribute("images"));   // the lecture's figure, accuracy bars, learning curves, gaps, learning rates
        Assert.Equal(5, Attribute("images-decoded"));
        Assert.Equal(3, Attribute("tables"));   // the lecture's, the factors', the cells'
        Assert.True(errors.Count == 0, string.Join("\n", errors));

        var screenshot = Path.Combine(dir, "report-screenshot.png");
        await page.ScreenshotAsync(screenshot, new PuppeteerSharp.ScreenshotOptions { FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 50_000, "a screenshot of the rendered report");
    }
}
