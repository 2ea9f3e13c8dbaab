namespace LeeMl.Sweep.Cli.Tests.Sweep;

/// <summary><c>warm_start</c> from an earlier job's folder, through <c>run</c>: what is taken over, what still runs, what is refused.</summary>
public sealed class WarmStartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-warm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Spec(string seeds, int epochs = 6, string warm = "") => $$"""
        name: warm
        data: { synthetic: blobs, samples: 500, features: 4, seed: 3 }
        models: [logistic, gaussian-shared]
        epochs: {{epochs}}
        seeds: {{seeds}}
        search: { method: random, samples: 4, seed: 5 }
        grid:
          optimizer: [ { name: sgdm, lr: { log_uniform: [0.001, 0.3] } }, { name: adam, lr: 0.01 } ]
        {{warm}}
        """;

    private string Run(string name, string text, int exitCode = 0)
    {
        var spec = Path.Combine(_dir, name + ".yaml");
        File.WriteAllText(spec, text);
        var outDir = Path.Combine(_dir, name);
        var r = CliRunner.InProcess("run", spec, "--out", outDir, "--slots", "2");
        Assert.True(r.ExitCode == exitCode, r.Stderr);
        return exitCode == 0 ? outDir : r.Stderr;
    }

    [Fact]
    public void A_job_warm_started_from_an_earlier_job_takes_its_trials_over_runs_only_the_new_ones_and_refuses_an_earlier_job_of_other_epochs_or_unknown()
    {
        var earlier = Run("earlier", Spec("[1, 2]"));
        var earlierResults = File.ReadAllLines(Path.Combine(earlier, "results.jsonl"));

        // The same spec: every trial taken over, none trained, the same bytes.
        var same = Run("same", Spec("[1, 2]", warm: "warm_start: [earlier/results.jsonl]"));
        Assert.Equal(earlierResults, File.ReadAllLines(Path.Combine(same, "results.jsonl")));
        Assert.All(File.ReadAllLines(Path.Combine(same, "telemetry.jsonl")), l => Assert.Contains("\"node\":\"warm start: earlier/results.jsonl\"", l));

        // More seeds: the earlier trials are taken over, the new ones trained; the bytes of the larger spec run alone.
        var larger = Run("larger", Spec("[1, 2, 3]", warm: "warm_start: [./earlier]"));
        var alone = Run("alone", Spec("[1, 2, 3]"));
        Assert.Equal(File.ReadAllLines(Path.Combine(alone, "results.jsonl")), File.ReadAllLines(Path.Combine(larger, "results.jsonl")));
        var telemetry = File.ReadAllLines(Path.Combine(larger, "telemetry.jsonl"));
        Assert.Equal(earlierResults.Length, telemetry.Count(l => l.Contains("warm start: ./earlier", StringComparison.Ordinal)));
        Assert.True(telemetry.Length > earlierResults.Length);

        // Results of other epochs are not this job's trials: refused.
        var refused = Run("other", Spec("[1, 2]", epochs: 7, warm: "warm_start: [earlier/results.jsonl]"), exitCode: 2);
        Assert.Contains("warm_start earlier/results.jsonl: its epochs (6) is not this job's (7)", refused);

        // A bare name is a job id: run's store has no such job, and the message says how to name the folder.
        var bare = Run("bare", Spec("[1, 2]", warm: "warm_start: [earlier]"), exitCode: 2);
        Assert.Contains("warm_start earlier: no such job in this cluster's store (an earlier run's folder is given as a path: ./earlier)", bare);
        Assert.False(Directory.Exists(Path.Combine(_dir, "bare")), "a refused run leaves no folder behind");
        Assert.False(Directory.Exists(Path.Combine(_dir, "other")), "a refused run leaves no folder behind");
    }
}
