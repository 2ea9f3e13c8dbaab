namespace LeeMl.Sweep.Bench;

/// <summary>Where the repository and the shared datasets are (LEEML_DATA wins).</summary>
internal static class BenchPaths
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "LeeMl.Sweep.sln"))) return dir.FullName;
            throw new InvalidOperationException("LeeMl.Sweep.sln not found");
        }
    }

    public static string Data => Environment.GetEnvironmentVariable("LEEML_DATA") is { Length: > 0 } d
        ? d
        : Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));
}
