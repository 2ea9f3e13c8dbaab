using System.Globalization;
using System.Text.Json;
using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Cli.Tests.Trace;

public sealed class TraceCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-trace-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string GoldenFile => Path.Combine(RepoPaths.FromEnvironment("LEEML_GOLDEN_DIR", Path.Combine(RepoPaths.Fixtures, "golden")), "optimizers.json");

    /// <summary>Every public optimizer case on a 2-D surface (the logistic problem needs data trace does not take).</summary>
    public static IEnumerable<object[]> SurfaceCases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(GoldenFile));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
            if (c.GetProperty("problem").GetString() != "logistic")
                yield return [c.GetProperty("id").GetString()!];
    }

    private static IEnumerable<string> Pairs(string option, JsonElement parameters, string prefix = "")
    {
        foreach (var p in parameters.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Object)
            {
                var nameKey = p.Value.TryGetProperty("optimizer", out var o) ? o : p.Value.GetProperty("schedule");
                yield return option;
                yield return $"{prefix}{p.Name}={nameKey.GetString()}";
                foreach (var inner in Pairs(option, p.Value.GetProperty("params"), $"{prefix}{p.Name}."))
                    yield return inner;
                continue;
            }
            yield return option;
            yield return $"{prefix}{p.Name}={(p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble().ToString("R", CultureInfo.InvariantCulture) : p.Value.ToString().ToLowerInvariant())}";
        }
    }

    [Theory]
    [MemberData(nameof(SurfaceCases))]
    public void Trace_reproduces_the_golden_trajectory(string id)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(GoldenFile));
        var c = doc.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);
        var start = c.GetProperty("start").EnumerateArray().Select(e => e.GetDouble().ToString("R", CultureInfo.InvariantCulture));
        var args = new List<string> { "trace", "--optimizer", c.GetProperty("optimizer").GetString()! };
        args.AddRange(Pairs("--param", c.GetProperty("params")));
        if (c.TryGetProperty("schedule", out var s))
        {
            args.AddRange(["--schedule", s.GetProperty("schedule").GetString()!]);
            args.AddRange(Pairs("--schedule-param", s.GetProperty("params")));
        }
        var steps = c.GetProperty("steps").GetInt32();
        args.AddRange(["--problem", c.GetProperty("problem").GetString()!, "--start", string.Join(",", start), "--steps", steps.ToString(CultureInfo.InvariantCulture)]);

        var result = CliRunner.InProcess([.. args]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var rows = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("optimizer,step,lr,loss,x,y", rows[0]);
        Assert.Equal(steps + 2, rows.Length);   // header + steps 0..N
        var parsed = rows.Skip(1).Select(r => r.Split(',')).ToArray();
        var trajectory = c.GetProperty("trajectory").EnumerateArray().ToArray();
        for (var i = 0; i < steps; i++)
        {
            var want = trajectory[i].EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Near(want[1], parsed[i][3], $"loss at step {i}");
            Near(want[2], parsed[i + 1][4], $"x after step {i}");
            Near(want[3], parsed[i + 1][5], $"y after step {i}");
            if (c.TryGetProperty("lr", out var lr))
                Near(lr[i].GetDouble(), parsed[i][2], $"lr at step {i}");
        }
    }

    private static void Near(double want, string gotText, string what)
    {
        var got = double.Parse(gotText, CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(got - want) <= 1e-9 * Math.Max(1, Math.Abs(want)), $"{what}: got {got:R}, want {want:R}");
    }

    [Fact]
    public void Plot_writes_a_png_with_every_path_and_the_csv_file()
    {
        var png = Path.Combine(_dir, "paths.png");
        var csv = Path.Combine(_dir, "paths.csv");
        var result = CliRunner.Process(_dir, "trace", "--optimizer", "sgdm", "--param", "lr=0.0005", "--optimizer", "adam", "--param", "lr=0.05",
            "--schedule", "one-cycle", "--noise", "0.01", "--problem", "rosenbrock", "--steps", "150", "--plot", png, "--csv", csv);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 20_000, $"PNG of {bytes.Length} bytes");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        Assert.Equal(1000, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)));   // IHDR width
        var lines = File.ReadAllLines(csv);
        Assert.Equal(1 + 2 * 151, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("adam lr=0.05 + one-cycle + noise eta=0.01,150,", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(_dir, ".*tmp"));
    }

    [Fact]
    public void Same_seed_gives_the_same_noisy_path_and_another_seed_a_different_one()
    {
        string Run(string seed) => CliRunner.InProcess("trace", "--optimizer", "adam", "--param", "lr=0.05", "--noise", "0.3", "--steps", "50", "--seed", seed).Stdout;
        Assert.Equal(Run("3"), Run("3"));
        Assert.NotEqual(Run("3"), Run("4"));
    }

    [Theory]
    [InlineData("unknown optimizer 'adamx'", "trace", "--optimizer", "adamx")]
    [InlineData("beta1 = 1.5 is out of range; allowed: 0 <= beta1 < 1", "trace", "--optimizer", "adam", "--param", "beta1=1.5")]
    [InlineData("unknown hyperparameter 'momentum'", "trace", "--optimizer", "adam", "--param", "momentum=0.9")]
    [InlineData("unknown problem 'himmelblau'", "trace", "--optimizer", "adam", "--problem", "himmelblau")]
    [InlineData("--start '1,x' must be two numbers", "trace", "--optimizer", "adam", "--start", "1,x")]
    [InlineData("--steps = '-3' must be a whole number >= 1", "trace", "--optimizer", "adam", "--steps", "-3")]
    [InlineData("--optimizer is required", "trace", "--steps", "10")]
    [InlineData("--param must follow an --optimizer", "trace", "--param", "lr=1", "--optimizer", "adam")]
    [InlineData("unknown schedule 'warm'", "trace", "--optimizer", "adam", "--schedule", "warm")]
    [InlineData("unknown option '--bogus'", "trace", "--optimizer", "adam", "--bogus")]
    [InlineData("--plot 'p.jpg' must end in .png or .svg", "trace", "--optimizer", "adam", "--plot", "p.jpg")]
    [InlineData("unknown command 'tarce'", "tarce")]
    public void Bad_input_gets_one_clear_message_exit_code_2_and_no_output(string message, params string[] args)
    {
        var csv = Path.Combine(_dir, "out.csv");
        var result = CliRunner.InProcess([.. args, .. args[0] == "trace" && !args.Contains("--plot") ? new[] { "--csv", csv } : []]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Equal("", result.Stdout);
        Assert.False(File.Exists(csv));
    }

    [Fact]
    public void Help_explains_every_option_and_lists_the_optimizers()
    {
        var result = CliRunner.Process(null, "trace", "--help");
        Assert.Equal(0, result.ExitCode);
        foreach (var option in new[] { "--optimizer", "--param", "--schedule", "--schedule-param", "--noise", "--noise-gamma", "--label", "--problem", "--start", "--steps", "--seed", "--csv", "--plot" })
            Assert.Contains(option, result.Stdout);
        Assert.Contains("adabound", result.Stdout);
        Assert.Contains("one-cycle", result.Stdout);
        var overview = CliRunner.Process(null, "--help");
        Assert.Equal(0, overview.ExitCode);
        Assert.Contains("trace", overview.Stdout);
    }
}
