namespace LeeMl.Sweep.Experiments.Specs;

/// <summary>The lecture grid, built in (deploy/sweeps/lecture-grid.yaml embedded at build time).</summary>
public static class DefaultSpec
{
    public const string FileName = "lecture-grid.yaml";

    public static string Text
    {
        get
        {
            using var stream = typeof(DefaultSpec).Assembly.GetManifestResourceStream(FileName)
                ?? throw new InvalidOperationException("the built-in spec is missing from the build");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    public static SweepSpec Spec => SpecParser.Parse(Text, $"(built-in) {FileName}");
}
