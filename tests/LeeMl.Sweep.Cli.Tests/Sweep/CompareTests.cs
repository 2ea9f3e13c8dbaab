namespace LeeMl.Sweep.Cli.Tests.Sweep;

/// <summary><c>compare</c> of job folders: the jobs side by side, the cells they share, and bad input refused.</summary>
public sealed class CompareTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-compare-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Run(string name, string seeds, string optimizers)
    {
        var spec = Path.Combine(_dir, name + ".yaml");
        File.WriteAllText(spec, $$"""
            name: {{name}}
            data: { synthetic: blobs, samples: 400, features: 4, seed: 8 }
            models: [logistic]
            epochs: 8
            seeds: {{seeds}}
            grid:
              optimizer: {{optimizers}}
            """);
        var outDir = Path.Combine(_dir, name);
        var r = CliRunner.InProcess("run", spec, "--out", outDir, "--slots", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        return outDir;
    }

    [Fact]
    public void Two_job_folders_side_by_side_with_their_best_cells_the_lecture_s_question_and_the_cells_in_common()
    {
        var a = Run("first", "[1, 2]", "[ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.01 } ]");
        var b = Run("second", "[1, 2, 3]", "[ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.01 }, { name: rmsprop, lr: 0.01 } ]");
        var outDir = Path.Combine(_dir, "cmp");
        var r = CliRunner.InProcess("compare", a, b, "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("2 cells in common", r.Stdout);
        var md = File.ReadAllText(Path.Combine(outDir, "compare.md"));
        Assert.Contains("# 2 jobs side by side", md);
        Assert.Contains("| first | 4 of 4 |", md.Replace($"| {a} ", "| ", StringComparison.Ordinal));
        Assert.Contains("| second | 9 of 9 |", md.Replace($"| {b} ", "| ", StringComparison.Ordinal));
        Assert.Contains("## The 2 cells they have in common", md);
        Assert.Contains("over 2 pairs |", md);   // the lecture's question, asked of each job
        Assert.Contains("over 3 pairs |", md);
        Assert.Contains("<table id=\"common\">", File.ReadAllText(Path.Combine(outDir, "compare.html")));

        Assert.Equal(2, CliRunner.InProcess("compare", a, "--out", outDir).ExitCode);
        var missing = CliRunner.InProcess("compare", a, Path.Combine(_dir, "nowhere/x"), "--out", outDir);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("neither a folder with a results.jsonl nor a job id", missing.Stderr);
    }

    [Fact]
    public void A_tpe_search_and_a_random_search_of_one_space_show_their_best_value_trial_for_trial()
    {
        string Search(string name, string search)
        {
            var spec = Path.Combine(_dir, name + ".yaml");
            File.WriteAllText(spec, $"name: {name}\nfunction: {{ name: branin }}\ngrid: {{ x1: {{ uniform: [-5, 10] }}, x2: {{ uniform: [0, 15] }} }}\nsearch: {search}\n");
            var outDir = Path.Combine(_dir, name);
            var r = CliRunner.InProcess("run", spec, "--out", outDir, "--slots", "2");
            Assert.True(r.ExitCode == 0, r.Stderr);
            return outDir;
        }
        var tpe = Search("tpe", "{ method: tpe, samples: 30, seed: 2, parallelism: 2 }");
        var random = Search("random", "{ method: random, samples: 60, seed: 2 }");
        var outDir = Path.Combine(_dir, "cmp-search");
        Assert.Equal(0, CliRunner.InProcess("compare", tpe, random, "--out", outDir).ExitCode);
        var md = File.ReadAllText(Path.Combine(outDir, "compare.md"));
        Assert.Contains("## The searches, trial for trial", md);
        Assert.Contains("TPE, 30 samples per cell", md);
        Assert.Contains("random search, 60 samples per cell", md);
        // Each search's row at 30 trials is its best value over its first 30 trials, in its own order (lower is better for Branin).
        var best30 = File.ReadLines(Path.Combine(tpe, "results.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("sample").GetInt64() < 30).Min(e => e.GetProperty("objective").GetDouble());
        var row = md.Split('\n').Single(l => l.StartsWith("| 30 |", StringComparison.Ordinal));
        Assert.Contains(best30.ToString("G6", System.Globalization.CultureInfo.InvariantCulture), row);
        Assert.Matches(@"^\| 60 \|  \| [0-9.]+ \|$", md.Split('\n').Single(l => l.StartsWith("| 60 |", StringComparison.Ordinal)));
        var html = File.ReadAllText(Path.Combine(outDir, "compare.html"));
        Assert.Contains("<figure id=\"compare-search\"><img", html);
        Assert.Contains("<table id=\"search-progress\">", html);
    }
}
