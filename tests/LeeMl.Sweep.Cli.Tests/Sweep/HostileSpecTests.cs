using System.Diagnostics;

namespace LeeMl.Sweep.Cli.Tests.Sweep;

/// <summary>
/// Specs made to exhaust a parser or a worker — alias bombs, deep nesting, megabytes of text,
/// huge models and data, control characters, a system file as data — given to <c>plan</c>,
/// <c>run</c> and <c>submit</c>, each in a real process capped at 500 MB of managed heap: every one
/// is refused with exit code 2 and one readable line, promptly, and nothing is written.
/// </summary>
public sealed class HostileSpecTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string> Specs => new()
    {
        { "alias-bomb", LeeMl.Sweep.Tests.HostileYaml.AliasBomb(12) },
        { "deep-flow", "name: deep\nmodels: " + new string('[', 100_000) + new string(']', 100_000) + "\n" },
        { "deep-block", "name: deep\nmodels:\n" + string.Concat(Enumerable.Repeat("- ", 300_000)) + "lda\n" },
        { "deep-json", "{\"name\": \"j\", \"models\": " + string.Concat(Enumerable.Repeat("{\"a\": ", 50_000)) + "1" + new string('}', 50_000) + "}" },
        { "oversized", "name: big\ndata: { synthetic: blobs }\nmodels: [lda]\n# " + new string('x', 3 << 20) + "\n" },
        { "many-values", "name: many\ndata: { synthetic: blobs }\nmodels: [" + string.Join(", ", Enumerable.Repeat("lda", 200_000)) + "]\n" },
        { "long-name", $"name: {new string('n', 10_000)}\ndata: {{ synthetic: blobs }}\nmodels: [lda]\n" },
        { "escape-codes", "name: \"\\e[31mred\\e[0m\"\ndata: { synthetic: blobs }\nmodels: [lda]\n" },
        { "huge-mlp", "name: huge\ndata: { synthetic: blobs }\nmodels: [{ name: mlp, hidden: 2000000000 }]\ngrid: { optimizer: [sgd] }\n" },
        { "wide-mlp", "name: wide\ndata: { synthetic: blobs }\nmodels: [{ name: mlp, hidden: 1000000, hidden2: 1000000 }]\ngrid: { optimizer: [sgd] }\n" },
        { "huge-data", "name: huge\ndata: { synthetic: blobs, samples: 10000000, features: 100000 }\nmodels: [lda]\n" },
        { "system-file", "name: passwd\ndata: { csv: /etc/passwd, label: root }\nmodels: [lda]\n" },
        { "endless-data", "name: zero\ndata: { csv: /dev/zero, label: y }\nmodels: [lda]\n" },
        { "kernel-file", "name: mem\ndata: { csv: /proc/self/mem, label: y }\nmodels: [lda]\n" },
        { "a-folder", "name: folder\ndata: { csv: /etc, label: y, test: /dev/urandom }\nmodels: [lda]\n" },
        // Resources: a grid that multiplies to 6.4·10^10 trials, one past 2^63, and curves of 4·10^7 points.
        { "grid-bomb", Grid("bomb", 4000, 4000, 4000, 1) },
        { "count-overflow", Grid("overflow", 1000, 1000, 1000, 1000) + "seeds: [" + string.Join(", ", Enumerable.Range(1, 20_000)) + "]\n" + "models: [" + string.Join(", ", Enumerable.Range(1, 1000).Select(k => $"{{ name: mlp, hidden: {k} }}")) + "]\n" },
        { "curve-bomb", "name: curves\ndata: { synthetic: blobs }\nmodels: [logistic]\nepochs: 100000\nseeds: [1, 2]\ngrid:\n  optimizer: [" + string.Join(", ", Enumerable.Range(1, 200).Select(k => $"{{ name: sgd, lr: {k}e-4 }}")) + "]\n" },
    };

    /// <summary>A spec whose grid axes have the given sizes (models and seeds may follow).</summary>
    private static string Grid(string name, int optimizers, int schedules, int warmups, int noises) =>
        $"name: {name}\ndata: {{ synthetic: blobs }}\ngrid:\n" +
        "  optimizer: [" + string.Join(", ", Enumerable.Range(1, optimizers).Select(k => $"{{ name: sgd, lr: {k}e-6 }}")) + "]\n" +
        "  schedule: [" + string.Join(", ", Enumerable.Range(1, schedules).Select(k => $"{{ name: cyclic, step_size_up: {k} }}")) + "]\n" +
        "  warmup: [" + string.Join(", ", Enumerable.Range(1, warmups).Select(k => $"{{ steps: {k} }}")) + "]\n" +
        "  gradient_noise: [" + string.Join(", ", Enumerable.Range(1, noises).Select(k => $"{{ eta: {k}e-6 }}")) + "]\n" +
        (name == "bomb" ? "models: [mlp]\n" : "");

    /// <summary>
    /// Data files that decode to far more than they weigh: a column of 10,000 distinct values (its
    /// one-hot width), gzip that unpacks 1,000-fold, one line of 3 MB with no line break (held whole
    /// by a line reader), and 4.9 million rows of two one-digit fields (a few bytes each on disk, an
    /// object each in memory).
    /// </summary>
    [Theory]
    [InlineData("one-hot-bomb")]
    [InlineData("gzip-bomb")]
    [InlineData("one-line-bomb")]
    [InlineData("row-bomb")]
    public void Plan_run_and_submit_each_refuse_a_data_file_over_its_limits(string name)
    {
        var csv = Path.Combine(_dir, name + ".csv");
        if (name == "one-hot-bomb")
            File.WriteAllLines(csv, ["id,label", .. Enumerable.Range(0, 10_000).Select(i => $"u{i},{i % 2}")]);
        else if (name == "one-line-bomb")
            File.WriteAllText(csv, "a,label\n" + new string('1', 3 << 20));
        else if (name == "row-bomb")
        {
            using var w = new StreamWriter(csv);
            w.Write("a,label\n");
            for (var i = 0; i < 4_900_000; i++) w.Write(i % 2 == 0 ? "3,0\n" : "5,1\n");
        }
        else
        {
            using var file = File.Create(csv);
            using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.SmallestSize);
            var row = System.Text.Encoding.ASCII.GetBytes("0,0,0,0,0,0,0,0,0,0,a\n");
            gzip.Write(System.Text.Encoding.ASCII.GetBytes("a,b,c,d,e,f,g,h,i,j,label\n"));
            for (var i = 0; i < 20_000_000 / row.Length; i++) gzip.Write(row);
        }
        var spec = Path.Combine(_dir, name + ".yaml");
        File.WriteAllText(spec, $"name: {name}\ndata: {{ csv: {name}.csv, label: label }}\nmodels: [lda]\n");
        Refused(name, spec);
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Plan_run_and_submit_each_refuse_it_in_one_line_with_exit_2_and_write_nothing(string name, string text)
    {
        var spec = Path.Combine(_dir, name + ".yaml");
        File.WriteAllText(spec, text);
        Refused(name, spec);
    }

    [Fact]
    public void An_endless_spec_file_and_a_pipe_are_refused_before_they_are_read()
    {
        Refused("dev-zero", "/dev/zero");
        var fifo = Path.Combine(_dir, "pipe.yaml");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        Refused("fifo", fifo);
        var fifoData = Path.Combine(_dir, "pipe.csv");
        using (var mkfifo = Process.Start("mkfifo", [fifoData])) mkfifo.WaitForExit();
        var spec = Path.Combine(_dir, "pipe-data.yaml");
        File.WriteAllText(spec, $"name: pipe\ndata: {{ csv: {fifoData}, label: y }}\nmodels: [lda]\n");
        Refused("fifo-data", spec);
    }

    private void Refused(string name, string spec)
    {
        var outDir = Path.Combine(_dir, "out-" + name);
        var heapLimit = new Dictionary<string, string?> { ["DOTNET_GCHeapHardLimit"] = "0x1F400000" };   // 500 MB
        foreach (var args in new[] { new[] { "plan", spec }, ["run", spec, "--out", outDir], ["submit", spec, "--cluster", "127.0.0.1:9", "--wait", "--out", outDir] })
        {
            // No bound on the wall clock (other test projects share the machine): a command that read for
            // ever is killed after two minutes and fails here, and the message names the limit that stopped it.
            var clock = Stopwatch.StartNew();
            var r = CliRunner.Process(_dir, args, heapLimit);
            var what = $"{name}: {args[0]} -> exit {r.ExitCode} in {clock.Elapsed.TotalSeconds:F1} s\n{r.Stdout}\n{r.Stderr[..Math.Min(r.Stderr.Length, 2000)]}";
            Assert.True(r.ExitCode == 2, what);
            var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length <= 2 && lines[0].StartsWith($"leeml-sweep {args[0]}: ", StringComparison.Ordinal), what);   // the message, and the --help hint
            Assert.True(lines[0].Length < 600, what);
            Assert.DoesNotContain("   at ", r.Stderr);
            Assert.DoesNotContain('\u001b', r.Stderr);
            Assert.Equal("", r.Stdout);
            Assert.False(Directory.Exists(outDir), what);
        }
    }
}
