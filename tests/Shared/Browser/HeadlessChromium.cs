using PuppeteerSharp;

namespace LeeMl.Sweep.Tests;

/// <summary>The system's Chromium, headless, driven by PuppeteerSharp (for the projects that reference it).</summary>
public static class HeadlessChromium
{
    /// <summary>A fresh browser with its own profile in <paramref name="profile"/>; <paramref name="extra"/> adds command-line switches.</summary>
    public static Task<IBrowser> Launch(string profile, params string[] extra) => Puppeteer.LaunchAsync(new LaunchOptions
    {
        ExecutablePath = SystemChromium.Path,
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking", "--disable-component-update", .. extra],
        UserDataDir = profile,
    });
}
