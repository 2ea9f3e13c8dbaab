namespace LeeMl.Sweep.Tests;

/// <summary>Where the repository and its test fixtures are.</summary>
internal static class RepoPaths
{
    /// <summary>The folder holding LeeMl.Sweep.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>tests/Fixtures: the golden vectors (the datasets ship with the program itself).</summary>
    public static string Fixtures => Path.Combine(Root, "tests", "Fixtures");

    /// <summary>An environment variable naming a folder, relative paths taken from the repository root.</summary>
    public static string FromEnvironment(string variable, string fallback)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value) ? fallback : Path.GetFullPath(value, Root);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LeeMl.Sweep.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"LeeMl.Sweep.sln not found above {AppContext.BaseDirectory}");
    }
}
