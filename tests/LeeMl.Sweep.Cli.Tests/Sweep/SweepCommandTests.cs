namespace LeeMl.Sweep.Cli.Tests.Sweep;

public sealed class SweepCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-sweep-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Spec(string text)
    {
        var path = Path.Combine(_dir, "bad.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("run")]
    [InlineData("submit")]
    public void A_malformed_spec_gets_one_error_with_path_and_line_exit_2_and_nothing_written(string command)
    {
        var spec = Spec("name: bad\ndata: { synthetic: blobs }\nmodels: [logistic]\ngrid:\n  optimizer: [ { name: adam, lr: -0.1 } ]\n");
        var outDir = Path.Combine(_dir, "out");
        string[] args = command switch
        {
            "run" => ["run", spec, "--out", outDir],
            "submit" => ["submit", spec, "--cluster", "127.0.0.1:1"],
            _ => ["plan", spec],
        };
        var r = CliRunner.Process(_dir, args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{spec}:5: grid.optimizer[0]: optimizer 'adam': lr = -0.1 is out of range", r.Stderr);
        Assert.Equal(1, r.Stderr.Split('\n').Count(l => l.Contains("out of range", StringComparison.Ordinal)));
        Assert.False(Directory.Exists(outDir));
        Assert.Empty(Directory.GetFiles(_dir, "*.db", SearchOption.AllDirectories));
    }

    [Fact]
    public void Plan_lists_the_trials_of_the_built_in_lecture_grid()
    {
        var r = CliRunner.InProcess("plan");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("102 trials in sweep 'lecture-grid'", r.Stdout);
        Assert.Contains("mlp(hidden=64)|adam(lr=0.003)|one-cycle|warmup(steps=100)|noise(eta=0.01, gamma=0.55)|seed=3", r.Stdout);
        Assert.Contains("gaussian-shared|-|-|-|-|seed=1", r.Stdout);
    }

    [Fact]
    public void The_tpe_example_plans_its_samples_and_runs_with_a_search_section_that_shows_the_proposals()
    {
        var spec = Path.Combine(LeeMl.Sweep.Tests.RepoPaths.Root, "deploy", "sweeps", "hartmann6-tpe.yaml");
        var plan = CliRunner.InProcess("plan", spec);
        Assert.Equal(0, plan.ExitCode);
        Assert.Contains("|sample=49|seed=1", plan.Stdout);
        Assert.Contains("50 trials in sweep 'h6', each evaluating hartmann6 in 6 dimensions", plan.Stdout);
        Assert.Contains("parallelism 4 (sample k learns from the results of samples 0 to k-5", plan.Stdout);

        var outDir = Path.Combine(_dir, "tpe");
        var run = CliRunner.InProcess("run", spec, "--out", outDir, "--slots", "2");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var lines = File.ReadAllLines(Path.Combine(outDir, "results.jsonl"));
        Assert.Equal(50, lines.Length);
        Assert.All(lines, l => Assert.Contains("\"sample\":", l));
        var report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("Method: TPE, 50 samples per cell (seed 3, parallelism 4", report);
        Assert.Contains("lower is better", report);
        Assert.Matches(@"Proposals: 50, [0-9.]+ ms each on average", report);
        Assert.True(File.Exists(Path.Combine(outDir, "search-progress.png")));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("plan")]
    [InlineData("node")]
    [InlineData("submit")]
    [InlineData("status")]
    [InlineData("cancel")]
    [InlineData("compare")]
    [InlineData("extend")]
    [InlineData("pause")]
    [InlineData("resume")]
    [InlineData("retry")]
    [InlineData("fit")]
    [InlineData("trace")]
    public void Every_command_has_help(string command)
    {
        var r = CliRunner.InProcess(command, "--help");
        Assert.Equal(0, r.ExitCode);
        // In process the program is named after the test host; as its own process it is leeml-sweep.
        Assert.Matches(@"Usage:\n  \S+ " + command + " ", r.Stdout.Replace("\r", ""));
    }

    /// <summary>Help is generated from the definitions, and every option says its default (or that it is required).</summary>
    [Fact]
    public void Every_option_of_every_command_is_in_its_help_with_its_default()
    {
        foreach (var command in LeeMl.Sweep.Cli.CommandLine.CliApp.Build().Subcommands)
        {
            var help = CliRunner.InProcess(command.Name, "--help").Stdout.Replace("\r", "").Split('\n');
            foreach (var option in command.Options.Where(o => o.Name != "--help"))
            {
                var at = Array.FindIndex(help, l => l.TrimStart().StartsWith(option.Name + " ", StringComparison.Ordinal) || l.TrimStart() == option.Name);
                Assert.True(at >= 0, $"{command.Name} --help lists {option.Name}");
                var block = string.Join(" ", help.Skip(at).TakeWhile((l, i) => i == 0 || !l.TrimStart().StartsWith('-')));
                Assert.True(option.Required || block.Contains("[default: ", StringComparison.Ordinal), $"{command.Name} {option.Name} states its default: {block}");
            }
        }
    }

    [Theory]
    [InlineData("node --roles worker --port 70000 --seed-nodes 127.0.0.1:4053", "--port '70000' is not a port")]
    [InlineData("node --roles cook --seed-nodes 127.0.0.1:4053", "unknown role 'cook'")]
    [InlineData("node --roles worker", "--seed-nodes is required")]
    [InlineData("node --roles worker --seed-nodes localhost", "'localhost' must be HOST:PORT")]
    [InlineData("status --cluster 127.0.0.1:0", "'0' is not a port")]
    [InlineData("cancel --cluster 127.0.0.1:4053", "give the JOB")]
    public void Bad_cluster_arguments_exit_2(string line, string message)
    {
        var r = CliRunner.InProcess(line.Split(' '));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr);
    }

    [Fact]
    public void A_sobol_search_with_median_stopping_runs_twice_to_the_same_bytes_and_its_report_has_a_search_section()
    {
        var spec = Spec("""
            name: search
            data: { name: breast-cancer }
            models: [logistic]
            epochs: 12
            seeds: [1, 2]
            search: { method: sobol, samples: 8, seed: 0 }
            early_stopping: { method: median, grace_epochs: 3 }
            grid:
              optimizer: [ { name: sgdm, lr: { log_uniform: [0.0001, 1] }, momentum: { choice: [0.5, 0.9] } } ]
            """);
        var plan = CliRunner.InProcess("plan", spec);
        Assert.Equal(0, plan.ExitCode);
        Assert.Contains("logistic|sgdm(lr=", plan.Stdout);
        Assert.Contains("16 trials in sweep 'search'", plan.Stdout);
        var (one, two) = (Path.Combine(_dir, "one"), Path.Combine(_dir, "two"));
        Assert.Equal(0, CliRunner.InProcess("run", spec, "--out", one, "--slots", "1").ExitCode);
        Assert.Equal(0, CliRunner.InProcess("run", spec, "--out", two, "--slots", "2").ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(one, "results.jsonl")), File.ReadAllBytes(Path.Combine(two, "results.jsonl")));
        var lines = File.ReadAllLines(Path.Combine(one, "results.jsonl"));
        Assert.Contains(lines, l => l.Contains("\"outcome\":\"stopped\"", StringComparison.Ordinal) && l.Contains("\"stopped_rung\":", StringComparison.Ordinal));
        var md = File.ReadAllText(Path.Combine(one, "report.md"));
        Assert.Contains("## Search", md);
        Assert.Contains("Method: Sobol search, 8 samples per cell (seed 0); median stopping on validation_accuracy, every 3 epochs.", md);
        Assert.Contains("| 1 | 3 | 16 |", md);   // every trial reached the first rung
        Assert.Contains("| optimizer sgdm: lr | log_uniform[0.0001, 1] | 16 |", md);
        Assert.Contains("| optimizer sgdm: momentum | choice[0.5, 0.9] | 16 |", md);
        Assert.True(File.Exists(Path.Combine(one, "search-parameters.png")) && File.Exists(Path.Combine(one, "search-progress.png")));
        // Every drawn optimizer is a level of its own: no factor effects along that axis (the parameters' importance stands for them).
        Assert.DoesNotContain(File.ReadAllLines(Path.Combine(one, "factors.csv")).Skip(1), l => l.StartsWith("optimizer,", StringComparison.Ordinal));
    }

    [Fact]
    public void The_final_reports_of_a_finished_asha_search_say_it_is_complete()
    {
        var spec = Spec("""
            name: asha-final
            data: { name: breast-cancer }
            models: [logistic]
            epochs: 9
            seeds: [1]
            search: { method: random, samples: 24, seed: 7 }
            early_stopping: { method: asha, metric: validation_accuracy, grace_epochs: 1, reduction: 3 }
            grid:
              optimizer: [ { name: sgdm, lr: { log_uniform: [0.0001, 0.3] }, momentum: { uniform: [0.8, 0.99] } } ]
            """);
        var dir = Path.Combine(_dir, "asha");
        Assert.Equal(0, CliRunner.InProcess("run", spec, "--out", dir, "--slots", "2").ExitCode);
        Assert.Contains(File.ReadAllLines(Path.Combine(dir, "results.jsonl")), l => l.Contains("\"outcome\":\"stopped\"", StringComparison.Ordinal));
        const string complete = "Complete: 24 of 24 trials";
        var md = File.ReadAllLines(Path.Combine(dir, "report.md"));
        Assert.StartsWith("**Status:** " + complete, md.First(l => l.StartsWith("**Status:**", StringComparison.Ordinal)));
        var html = File.ReadAllText(Path.Combine(dir, "report.html"));
        var status = System.Text.RegularExpressions.Regex.Match(html, "id=\"status\">([^<]*)<").Groups[1].Value;
        Assert.StartsWith(complete, status);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "report.json")));
        Assert.StartsWith(complete, json.RootElement.GetProperty("status").GetString());
        Assert.Equal("ok", json.RootElement.GetProperty("status_kind").GetString());
        // Cells that early stopping ended wholly are one sentence, not rows without a finished training.
        Assert.Contains("whose every trial early stopping ended (trials stopped: ", json.RootElement.GetProperty("stopped_cells").GetString());
        Assert.Contains(md, l => l.Contains("Not listed: ", StringComparison.Ordinal));
        var cellRows = md.SkipWhile(l => !l.StartsWith("## Cells", StringComparison.Ordinal)).Skip(4).TakeWhile(l => l.StartsWith('|')).ToList();
        Assert.NotEmpty(cellRows);
        Assert.DoesNotContain(cellRows, l => l.Split('|')[5].Trim() == "–");   // every listed cell has a validation accuracy
    }
}
