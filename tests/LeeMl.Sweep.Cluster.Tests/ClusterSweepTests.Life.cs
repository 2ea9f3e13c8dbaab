using System.Diagnostics;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>The life of a job after submit, on the three processes: pause and resume, extend.</summary>
public sealed partial class ClusterSweepTests
{
    /// <summary>200 trials of a tenth of a second or so each.</summary>
    private static readonly string PauseSpec = $$"""
        name: pause-test
        data: { synthetic: blobs, samples: 1500, features: 8, seed: 4 }
        models: [{ name: mlp, hidden: 16 }]
        epochs: 150
        seeds: [{{string.Join(", ", Enumerable.Range(1, 50))}}]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
          warmup: [ none, { steps: 20 } ]
        """;

    private static string RandomSearch(string seeds, int samples, string extra = "") => $$"""
        name: extend-search
        data: { synthetic: blobs, samples: 600, features: 4, seed: 2 }
        models: [logistic]
        epochs: 9
        seeds: {{seeds}}
        search: { method: random, samples: {{samples}}, seed: 11 }
        {{extra}}
        grid:
          optimizer:
            - { name: sgdm, lr: { log_uniform: [0.001, 0.3] }, momentum: { uniform: [0.8, 0.99] } }
            - { name: adam, lr: { log_uniform: [0.0001, 0.1] } }
        """;

    private const string Asha = "early_stopping: { method: asha, metric: validation_accuracy, grace_epochs: 1, reduction: 3 }";

    /// <summary>TPE over the built-in classifiers, a model's batch size among its values; more samples than its random start, so the extension's proposals learn.</summary>
    private static string TpeSearch(int samples) => $$"""
        name: extend-tpe
        data: { synthetic: blobs, samples: 600, features: 4, seed: 2 }
        models: [ logistic, { name: mlp, hidden: { int_uniform: [4, 16] }, batch_size: { choice: [16, 32] } } ]
        epochs: 4
        seeds: [1, 2]
        search: { method: tpe, samples: {{samples}}, seed: 5, parallelism: 2 }
        grid:
          optimizer: [ { name: sgdm, lr: { log_uniform: [0.001, 0.3] }, momentum: { uniform: [0.8, 0.99] } } ]
        """;

    [Fact]
    public async Task A_paused_job_dispatches_nothing_while_extended_jobs_take_its_slots_and_each_ends_with_the_bytes_of_the_larger_spec_run_at_once()
    {
        var f = cluster.F;
        var address = $"127.0.0.1:{cluster.Http}";
        using var client = ClusterFixture.Client(cluster.Http);

        // The class's shared 48-trial job first, while the workers have seen no trial yet: they share it (the
        // short trials below teach them to take many at a time).
        await cluster.Results("two");

        // The references, run in one process while the cluster works and waits.
        var lecture = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "sweeps", "lecture-grid.yaml"));
        Assert.Contains("seeds: [1, 2, 3]", lecture);
        var cases = new[]
        {
            ("lecture", lecture.Replace("seeds: [1, 2, 3]", "seeds: [1, 2]"), lecture),
            ("random", RandomSearch("[1, 2]", 24), RandomSearch("[1, 2, 3]", 48)),
            ("asha", RandomSearch("[1, 2]", 24, Asha), RandomSearch("[1, 2, 3]", 48, Asha)),
            ("tpe", TpeSearch(8), TpeSearch(14)),
        };
        var references = cases.ToDictionary(c => c.Item1, c => Reference(f, c.Item3, c.Item1));
        var pauseReference = Reference(f, PauseSpec, "pause");

        // A 200-trial job, paused once some of its trials are done.
        var submit = f.Start("submit", f.WriteSpec(PauseSpec, "pause.yaml"), "--cluster", address);
        Assert.True(submit.WaitForExit(TimeSpan.FromSeconds(60)) && submit.ExitCode == 0, submit.Output);
        var paused = submit.Stdout.Split('\n')[0].Trim();   // the id alone on standard output's first line
        await ClusterFixture.Until(async () => (await client.Job(paused))!.Done >= 10, ThreeProcessCluster.Long, "10 trials of the job to pause");
        var pause = f.Start("pause", paused, "--cluster", address);
        Assert.True(pause.WaitForExit(TimeSpan.FromSeconds(60)) && pause.ExitCode == 0, pause.Output);
        Assert.Contains("paused", pause.Output);
        // Its running trials end and count; then nothing of it runs.
        await ClusterFixture.Until(async () => (await client.Job(paused)) is { Running: 0, Queued: 0 }, TimeSpan.FromSeconds(60), "the paused job's trials to end");
        var pausedAt = Stopwatch.StartNew();
        var doneAtPause = (await client.Job(paused))!.Done;
        Assert.InRange(doneAtPause, 10, 199);

        // Meanwhile its slots go to other jobs: each submitted smaller, then extended to the larger spec.
        var jobs = cases.ToDictionary(c => c.Item1, c => ExtendedEqualsLarger(f, address, c.Item1, c.Item2, c.Item3, references[c.Item1]));

        // A job warm-started from the extended lecture job takes every trial over and trains none: the same bytes.
        var warm = Path.Combine(f.Dir, "warm");
        var warmSubmit = f.Start("submit", f.WriteSpec(lecture + $"warm_start: [{jobs["lecture"]}]\n", "warm.yaml"), "--cluster", address, "--wait", "--out", warm);
        Assert.True(warmSubmit.WaitForExit(ThreeProcessCluster.Long) && warmSubmit.ExitCode == 0, warmSubmit.Output);
        Assert.Equal(ClusterFixture.Sha256(references["lecture"]()), ClusterFixture.Sha256(Path.Combine(warm, "results.jsonl")));
        Assert.All(File.ReadAllLines(Path.Combine(warm, "telemetry.jsonl")), l => Assert.Contains($"\"node\":\"warm start: {jobs["lecture"]}\"", l));

        // The other tests' jobs on this cluster (done once, shared) take the slots too while the 30 s run.
        foreach (var other in new[] { "long", "run", "tpe-run" }) await cluster.Results(other);

        // Nothing of the paused job was dispatched for 30 s; resumed, it ends with the bytes of run.
        if (pausedAt.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(TimeSpan.FromSeconds(30) - pausedAt.Elapsed);
        var still = (await client.Job(paused))!;
        Assert.Equal((JobState.Paused, doneAtPause, 0L, 0L), (still.State, still.Done, still.Running, still.Queued));
        Assert.Contains(still.History!, h => h.What.StartsWith("paused", StringComparison.Ordinal));
        var resumed = Path.Combine(f.Dir, "resumed");
        var resume = f.Start("resume", paused, "--cluster", address, "--wait", "--out", resumed);
        Assert.True(resume.WaitForExit(ThreeProcessCluster.Long) && resume.ExitCode == 0, resume.Output);
        Assert.Equal(ClusterFixture.Sha256(pauseReference()), ClusterFixture.Sha256(Path.Combine(resumed, "results.jsonl")));
    }

    /// <summary><c>run</c> of a spec started now; the function waits for it and gives its results.jsonl.</summary>
    private static Func<string> Reference(ClusterFixture f, string spec, string name)
    {
        var outDir = Path.Combine(f.Dir, $"{name}-run");
        var run = f.Start("run", f.WriteSpec(spec, $"{name}-reference.yaml"), "--out", outDir, "--slots", "2");
        return () =>
        {
            Assert.True(run.WaitForExit(ThreeProcessCluster.Long) && run.ExitCode == 0, run.Output);
            return Path.Combine(outDir, "results.jsonl");
        };
    }

    /// <summary>
    /// Submits <paramref name="small"/>, extends the finished job to <paramref name="large"/>: its
    /// results.jsonl must be the bytes of <c>run</c> of the larger spec, and no trial of the smaller
    /// job may run again (its telemetry lines — node, time, attempt — stay as they were).
    /// </summary>
    private static string ExtendedEqualsLarger(ClusterFixture f, string address, string name, string small, string large, Func<string> reference)
    {
        var first = Path.Combine(f.Dir, $"{name}-small");
        var submit = f.Start("submit", f.WriteSpec(small, $"{name}-small.yaml"), "--cluster", address, "--wait", "--out", first);
        Assert.True(submit.WaitForExit(ThreeProcessCluster.Long) && submit.ExitCode == 0, submit.Output);
        var job = submit.Stdout.Split('\n')[0].Trim();   // standard error's "N trials" may arrive first in Output
        // A spec that changes anything but seeds, samples and levels is refused, and the job stays as it was.
        var other = f.Start("extend", job, f.WriteSpec(System.Text.RegularExpressions.Regex.Replace(large, "(?m)^name: ", "name: other-"), $"{name}-other.yaml"), "--cluster", address);
        Assert.True(other.WaitForExit(TimeSpan.FromSeconds(60)), other.Output);
        Assert.True(other.ExitCode == 2 && other.Output.Contains("the name differs", StringComparison.Ordinal), other.Output);
        var extended = Path.Combine(f.Dir, $"{name}-extended");
        var extend = f.Start("extend", job, f.WriteSpec(large, $"{name}-large.yaml"), "--cluster", address, "--wait", "--out", extended);
        Assert.True(extend.WaitForExit(ThreeProcessCluster.Long) && extend.ExitCode == 0, extend.Output);
        Assert.Contains("extended from", extend.Output);
        var results = reference();
        Assert.True(ClusterFixture.Sha256(results) == ClusterFixture.Sha256(Path.Combine(extended, "results.jsonl")),
            $"{name}: the extended job's results differ from run of the larger spec");
        var before = File.ReadAllLines(Path.Combine(first, "telemetry.jsonl"));
        var after = File.ReadAllLines(Path.Combine(extended, "telemetry.jsonl"));
        Assert.Equal(File.ReadAllLines(results).Length, after.Length);
        Assert.Empty(before.Except(after));   // every trial of the smaller job kept its one attempt's record
        Assert.Equal(after.Length, after.Distinct().Count());
        return job;
    }
}
