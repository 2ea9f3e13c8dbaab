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
    };

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
            var clock = Stopwatch.StartNew();
            var r = CliRunner.Process(_dir, args, heapLimit);
            var what = $"{name}: {args[0]} -> exit {r.ExitCode} in {clock.Elapsed.TotalSeconds:F1} s\n{r.Stdout}\n{r.Stderr[..Math.Min(r.Stderr.Length, 2000)]}";
            Assert.True(r.ExitCode == 2, what);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), what);
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
