namespace LeeMl.Sweep.Tests;

/// <summary>Debian's Chromium, which the browser tests drive (installed by .ci/run; no browser is ever downloaded).</summary>
public static class SystemChromium
{
    public static string Path => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Chromium is not installed (apt-get install chromium; .ci/run does it)");
}
