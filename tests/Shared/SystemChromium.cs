namespace LeeMl.Sweep.Tests;

/// <summary>Debian's Chromium, which the browser tests drive (no browser is ever downloaded).</summary>
public static class SystemChromium
{
    public static string Path => RequiredTool.Find("chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser");
}
