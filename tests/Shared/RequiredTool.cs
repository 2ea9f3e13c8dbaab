namespace LeeMl.Sweep.Tests;

/// <summary>
/// A program from Debian's packages that a test starts for real. Where it is missing the test
/// fails with one line naming the package (./test.sh installs it).
/// </summary>
public static class RequiredTool
{
    public static string Find(string package, params string[] paths) =>
        paths.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(Missing(package));

    /// <summary>A program looked up on PATH.</summary>
    public static string OnPath(string program, string package) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(Missing(package));

    public static string Missing(string package) => $"{package} is not installed: apt-get install {package} (./test.sh installs it)";
}
