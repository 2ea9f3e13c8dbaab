namespace LeeMl.Sweep.Bench;

/// <summary>Where the repository is, and the datasets (built in, unless LEEML_DATA names a folder).</summary>
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

    public static LeeMl.Sweep.Learning.Data.DataFolder Data => LeeMl.Sweep.Learning.Data.DataFolder.Of(Environment.GetEnvironmentVariable("LEEML_DATA"));
}
