using System.Diagnostics;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Programs;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Trials;
using LeeMl.Sweep.Learning.Data;
using Xunit;

namespace LeeMl.Sweep.Experiments.Tests.Programs;

/// <summary>Real python3 programs in real process groups: what a worker's slot sees of them.</summary>
public sealed class ProgramTrialTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-program-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Ignores SIGTERM (its children inherit that), leaves a child in its group and one in a session of its own, reports a step every 0.2 s without flushing.</summary>
    private const string Stubborn = """
        import json, os, signal, subprocess, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = subprocess.Popen(["sleep", "1000"])
        escaped = subprocess.Popen(["setsid", "sleep", "1000"])
        with open(os.environ["PIDS_FILE"], "w") as f:
            f.write(f"{os.getpid()} {child.pid} {escaped.pid}")
        for i in range(1, 10000):
            print("@leeml " + json.dumps({"loss": 1.0 / i}))
            time.sleep(0.2)
        """;

    private (ProgramTrial Trial, SweepSpec Spec) Start(string script, string extra = "", int epochs = 50, string objective = "loss", string goal = "minimize", string parameters = "", ProgramHost? host = null)
    {
        File.WriteAllText(Path.Combine(_dir, "p.py"), script);
        var spec = SpecParser.Parse($$"""
            name: t
            program:
              command: [python3, p.py, "${args}"]
              files: [p.py]
              env: { PIDS_FILE: "{{_dir}}/pids" }
              stop_grace: 1
              objective: { metric: {{objective}}, goal: {{goal}} }
            {{extra}}
            epochs: {{epochs}}
            {{parameters}}
            """, "t.yaml");
        var data = new DataLoader(new DataSources(DataFolder.Of(null), p => DataFile.FromPath(Path.Combine(_dir, p))) { Shipped = ["p.py"] });
        var trialHost = new TrialHost(host ?? new ProgramHost(Path.Combine(_dir, "scratch")), []);
        return ((ProgramTrial)new ProgramTrialKind().Start(spec, new TrialPlan(spec).At(0), data, trialHost), spec);
    }

    private int[] Pids()
    {
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(_dir, "pids")) || File.ReadAllText(Path.Combine(_dir, "pids")).Split(' ').Length < 3)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "the program never wrote its pids");
            Thread.Sleep(20);
        }
        return [.. File.ReadAllText(Path.Combine(_dir, "pids")).Split(' ').Select(int.Parse)];
    }

    /// <summary>Processes of the list still alive (a zombie is not: it runs nothing).</summary>
    private static List<int> Alive(IEnumerable<int> pids) =>
        [.. pids.Where(p => File.Exists($"/proc/{p}/stat") && File.ReadAllText($"/proc/{p}/stat") is var stat && !stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z'))];

    [Fact]
    public void A_cancel_ends_a_stubborn_program_and_its_grandchildren_within_the_grace_period()
    {
        var (trial, _) = Start(Stubborn);
        using (trial)
        {
            using var cancel = new CancellationTokenSource();
            var pids = Pids();
            Assert.Equal(3, Alive(pids).Count);
            var clock = Stopwatch.StartNew();
            // Steps are seen as printed, though the script never flushes: the cancel comes after the second.
            Assert.Throws<OperationCanceledException>(() => trial.RunUntil(50, e => { if (e.Epoch == 2) cancel.Cancel(); }, cancel.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1 + 5 + 2), $"took {clock.Elapsed}");
            Assert.Empty(Alive(pids));
        }
    }

    [Fact]
    public void An_early_stop_at_a_rung_ends_the_group_and_the_curve_ends_at_the_rung()
    {
        var (trial, _) = Start(Stubborn);
        using (trial)
        {
            trial.RunUntil(2, null, CancellationToken.None);   // the rung: the group is paused there
            var pids = Pids();
            Thread.Sleep(600);                                 // a paused program reports nothing more
            var clock = Stopwatch.StartNew();
            var result = trial.Result(stoppedAtRung: 1);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1 + 5), $"took {clock.Elapsed}");
            Assert.Equal(TrialOutcome.Stopped, result.Outcome);
            Assert.Equal(2, result.Epochs.Count);
            Assert.Empty(Alive(pids));
        }
    }

    [Fact]
    public void A_timeout_fails_the_trial_and_leaves_no_process()
    {
        var (trial, _) = Start(Stubborn, extra: "  timeout: 1");
        using (trial)
        {
            var clock = Stopwatch.StartNew();
            trial.RunUntil(50, null, CancellationToken.None);
            var pids = Pids();
            var result = trial.Result();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1 + 1 + 5), $"took {clock.Elapsed}");
            Assert.Equal(TrialOutcome.Failed, result.Outcome);
            Assert.Contains("timed out after 1 s", result.Error);
            Assert.Empty(Alive(pids));
        }
    }

    [Fact]
    public void Parameters_arrive_as_arguments_variables_and_a_file_and_the_result_holds_every_metric()
    {
        const string script = """
            import json, os, sys
            params = json.load(open(os.environ["LEEML_TRIAL_DIR"] + "/.leeml-params.json"))
            assert json.loads(os.environ["LEEML_TRIAL_PARAMS"]) == params, "variables and file agree"
            assert sys.argv[1:] == ["--hidden=32", "--lr=0.5", "--name=wide"], sys.argv
            assert set(os.environ) <= {"PATH", "HOME", "TMPDIR", "LANG", "PYTHONUNBUFFERED", "PIDS_FILE", "CUDA_VISIBLE_DEVICES", "LC_CTYPE",
                "LEEML_TRIAL_KEY", "LEEML_TRIAL_SEED", "LEEML_TRIAL_PARAMS", "LEEML_TRIAL_DIR", "LEEML_TRIAL_COOKIE", "LD_PRELOAD", "_STDBUF_O", "_STDBUF_E"}, sorted(os.environ)
            print("starting", os.environ["LEEML_TRIAL_KEY"])
            for epoch in range(1, 4):
                print(f"train_accuracy={0.5 + epoch / 10}")
                print(f"validation_accuracy={params['lr'] + epoch / 100} extra=7")
            """;
        var (trial, _) = Start(script, epochs: 3, objective: "validation_accuracy", goal: "maximize",
            parameters: "grid: { lr: 0.5, hidden: 32, name: wide }");
        using (trial)
        {
            trial.RunUntil(3, null, CancellationToken.None);
            var result = trial.Result();
            Assert.True(result.Outcome == TrialOutcome.Completed, result.Error);
            Assert.Equal([1, 2, 3], result.Epochs.Select(e => e.Epoch));
            Assert.Equal(0.53, result.ValidationAccuracy, 12);
            Assert.Equal(0.8, result.TrainAccuracy, 12);
            Assert.Equal(0.53, result.Objective!.Value, 12);
            Assert.Equal(7, result.Metrics!["extra"]);
            Assert.Equal("32", result.Params!["hidden"]);
            Assert.Equal(3, result.BestEpoch);
            Assert.Contains("starting program(hidden=32, lr=0.5, name=wide)|seed=1", trial.Output.Text());
        }
    }

    [Theory]
    [InlineData("import sys\nprint('@leeml {\"acc\": 0.5}')\nprint('boom')\nsys.exit(3)", "exited with code 3", "boom")]
    [InlineData("print('@leeml {\"other\": 1}')", "exited 0 without reporting its objective 'acc'", null)]
    public void A_program_that_fails_says_why(string script, string reason, string? tail)
    {
        var (trial, _) = Start(script, epochs: 5, objective: "acc", goal: "maximize");
        using (trial)
        {
            trial.RunUntil(5, null, CancellationToken.None);
            Assert.True(trial.IsOver);
            var result = trial.Result();
            Assert.Equal(TrialOutcome.Failed, result.Outcome);
            Assert.Contains(reason, result.Error);
            if (tail is not null) Assert.Contains(tail, result.Error);
        }
    }

    [Fact]
    public void An_objective_that_is_not_finite_is_a_divergence()
    {
        var (trial, _) = Start("import time\nprint('@leeml {\"acc\": 0.5}')\nprint('@leeml {\"acc\": NaN}')\ntime.sleep(100)", epochs: 5, objective: "acc", goal: "maximize");
        using (trial)
        {
            trial.RunUntil(5, null, CancellationToken.None);
            var result = trial.Result();
            Assert.Equal(TrialOutcome.Diverged, result.Outcome);
            Assert.Equal(2, result.DivergedEpoch);
        }
    }

    [Fact]
    public void A_program_killed_by_a_signal_the_worker_did_not_send_is_a_fault_of_the_node()
    {
        var (trial, _) = Start("import os, signal\nprint('@leeml {\"acc\": 0.5}', flush=True)\nos.kill(os.getpid(), signal.SIGKILL)", epochs: 5, objective: "acc", goal: "maximize");
        using (trial)
        {
            var e = Assert.Throws<IOException>(() => trial.RunUntil(5, null, CancellationToken.None));
            Assert.Contains("signal 9", e.Message);
        }
    }

    [Fact]
    public void A_worker_not_started_to_run_programs_refuses_them_as_a_fault_of_its_own()
    {
        File.WriteAllText(Path.Combine(_dir, "p.py"), "print('@leeml {\"acc\": 1}')");
        var spec = SpecParser.Parse("name: t\nprogram: { command: [python3, p.py], files: [p.py], objective: { metric: acc } }\nepochs: 1\n", "t.yaml");
        var data = new DataLoader(new DataSources(DataFolder.Of(null), p => DataFile.FromPath(Path.Combine(_dir, p))) { Shipped = ["p.py"] });
        var e = Assert.Throws<InvalidOperationException>(() => new ProgramTrialKind().Start(spec, new TrialPlan(spec).At(0), data, TrialHost.None));
        Assert.Contains("--allow-programs", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir, "scratch")));   // nothing was laid out, nothing ran
    }

    [Fact]
    public void A_program_runs_as_the_user_the_worker_names_in_a_folder_of_its_own_that_is_removed_after()
    {
        Assert.Equal("root", Environment.UserName);   // the worker of --run-as runs as root; so do these tests
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);   // the scratch root's parents let the user pass
        const string script = """
            import json, os
            open("made-here.txt", "w").write("x")
            print("@leeml " + json.dumps({"uid": os.getuid(), "cwd_is_trial_dir": float(os.getcwd() == os.environ["LEEML_TRIAL_DIR"])}))
            """;
        var (trial, _) = Start(script, epochs: 1, objective: "uid", host: new ProgramHost(Path.Combine(_dir, "scratch"), RunAs: "nobody"));
        string folder;
        using (trial)
        {
            trial.RunUntil(1, null, CancellationToken.None);
            var result = trial.Result();
            Assert.True(result.Outcome == TrialOutcome.Completed, result.Error + trial.Output.Text());
            Assert.Equal(65534, result.Metrics!["uid"]);   // nobody
            Assert.Equal(1, result.Metrics["cwd_is_trial_dir"]);
            folder = Directory.GetDirectories(Path.Combine(_dir, "scratch")).Single();
            Assert.True(File.Exists(Path.Combine(folder, "made-here.txt")));
        }
        Assert.False(Directory.Exists(folder));
    }
}
