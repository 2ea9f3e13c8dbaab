using System.Text.Json;
using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Cli.Tests.Sweep;

/// <summary>A program's output is read in bounded memory: floods of lines and one endless line leave the node small and the job complete.</summary>
public sealed class ProgramOutputTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-output-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Two_hundred_megabytes_of_lines_and_a_hundred_megabyte_line_keep_the_node_under_300_megabytes()
    {
        File.WriteAllText(Path.Combine(_dir, "flood.py"), """
            import os, sys
            if os.environ["LEEML_TRIAL_PARAMS"] == '{"flood":"lines"}':
                line = "x" * 999
                for i in range(200_000):
                    print(line)
            else:
                sys.stdout.write("y" * 100_000_000)
                sys.stdout.flush()
                print()
            print('@leeml {"done": 1}')
            """);
        var spec = Path.Combine(_dir, "flood.yaml");
        File.WriteAllText(spec, """
            name: flood
            program:
              command: [python3, flood.py]
              files: [flood.py]
              objective: { metric: done }
            epochs: 1
            grid: { flood: [lines, "one-line"] }
            """);
        var run = new CliProcess(_dir, "run", spec, "--out", Path.Combine(_dir, "out"), "--slots", "2");
        long peak = 0;
        while (!run.WaitForExit(TimeSpan.FromMilliseconds(100)))
        {
            try { peak = Math.Max(peak, run.PeakMemoryBytes); }
            catch (InvalidOperationException) { }   // it ended meanwhile
        }
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.True(peak > 0, "the node's memory was never read");
        output.WriteLine($"the node peaked at {peak >> 20} MB");
        Assert.True(peak < 300L << 20, $"the node peaked at {peak >> 20} MB");
        var results = File.ReadAllLines(Path.Combine(_dir, "out", "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal("completed", r.GetProperty("outcome").GetString()));
    }
}
