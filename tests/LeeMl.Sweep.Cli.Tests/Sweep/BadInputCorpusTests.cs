using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Cli.Tests.Sweep;

/// <summary>
/// A corpus of malformed inputs — specs, CSV files, command lines — each its own test: one clear
/// message on stderr naming what is wrong, the documented exit code (2 bad input, 1 no answer),
/// nothing on stdout, and nothing half-written in the output folder (no database, no files).
/// </summary>
public sealed class BadInputCorpusTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Good = """
        name: good
        data: { synthetic: blobs, samples: 400, features: 4 }
        models: [logistic, gaussian-shared]
        epochs: 3
        seeds: [1, 2]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]
          schedule: [ none, { name: one-cycle } ]
          warmup: [ none, { steps: 20 } ]
          gradient_noise: [ none, { eta: 0.01, gamma: 0.55 } ]
        """;

    /// <summary>(name, the good spec's line to replace, its replacement, the message) — each run through `run SPEC --out DIR`.</summary>
    public static TheoryData<string, string, string, string> Specs => new()
    {
        { "syntax: unclosed flow list", "seeds: [1, 2]", "seeds: [1, 2", "syntax error" },
        { "syntax: tab indentation", "  warmup: [ none, { steps: 20 } ]", "\twarmup: [ none ]", "syntax error" },
        { "syntax: two documents", "epochs: 3", "epochs: 3\n---\nname: x", "one spec per file" },
        { "unknown top-level key", "epochs: 3", "epoch: 3", "unknown key 'epoch'" },
        { "unknown data key", "samples: 400", "sample: 400", "unknown key 'sample' for blobs data" },
        { "unknown grid axis", "  warmup: [ none, { steps: 20 } ]", "  momentum: [0.9]", "unknown grid axis 'momentum'" },
        { "unknown warmup key", "{ steps: 20 }", "{ step: 20 }", "unknown key 'step' for warmup" },
        { "unknown noise key", "{ eta: 0.01, gamma: 0.55 }", "{ eta: 0.01, gama: 0.55 }", "unknown key 'gama' for gradient_noise" },
        { "unknown optimizer", "{ name: adam, lr: 0.003 }", "{ name: adamm, lr: 0.003 }", "unknown optimizer 'adamm'" },
        { "unknown optimizer hyperparameter", "{ name: adam, lr: 0.003 }", "{ name: adam, lr: 0.003, momentum: 0.9 }", "unknown hyperparameter 'momentum'" },
        { "unknown schedule", "{ name: one-cycle }", "{ name: onecycle }", "unknown schedule 'onecycle'" },
        { "unknown model", "[logistic, gaussian-shared]", "[logistic, svm]", "unknown model 'svm'" },
        { "unknown dataset", "{ synthetic: blobs, samples: 400, features: 4 }", "{ name: mnist }", "unknown dataset 'mnist'" },
        { "unknown synthetic data", "synthetic: blobs", "synthetic: spirals", "unknown synthetic data 'spirals'" },
        { "two data sources", "{ synthetic: blobs, samples: 400, features: 4 }", "{ synthetic: blobs, name: pokemon }", "exactly one of" },
        { "csv without label", "{ synthetic: blobs, samples: 400, features: 4 }", "{ csv: data.csv }", "csv data needs label" },
        { "wrong type: epochs text", "epochs: 3", "epochs: three", "'three' is not a whole number" },
        { "wrong type: epochs fraction", "epochs: 3", "epochs: 2.5", "'2.5' is not a whole number" },
        { "wrong type: lr text", "{ name: adam, lr: 0.003 }", "{ name: adam, lr: fast }", "lr = 'fast' is not a number" },
        { "wrong type: models mapping", "[logistic, gaussian-shared]", "{ a: b }", "missing key 'name'" },
        { "wrong type: grid list", "  optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]", "  optimizer: { lr: 3 }", "missing key 'name'" },
        { "wrong type: quoted number", "epochs: 3", "epochs: \"3\"", "'3' is not a whole number" },
        { "empty optimizer axis", "  optimizer: [ { name: sgdm, lr: 0.05 }, { name: adam, lr: 0.003 } ]", "  optimizer: []", "empty list" },
        { "empty schedule axis", "  schedule: [ none, { name: one-cycle } ]", "  schedule: []", "empty list" },
        { "empty seeds", "seeds: [1, 2]", "seeds: []", "empty list" },
        { "empty models", "[logistic, gaussian-shared]", "[]", "empty list" },
        { "grid over the size limit", "epochs: 3", "epochs: 3\nmax_trials: 10", "over the limit of 10" },
        { "negative lr", "{ name: adam, lr: 0.003 }", "{ name: adam, lr: -0.003 }", "lr = -0.003 is out of range" },
        { "NaN lr", "{ name: adam, lr: 0.003 }", "{ name: adam, lr: .nan }", "lr = '.nan' is not a number" },
        { "infinite lr", "{ name: sgdm, lr: 0.05 }", "{ name: sgdm, lr: .inf }", "lr = '.inf' is not a number" },
        { "beta1 of 1", "{ name: adam, lr: 0.003 }", "{ name: adam, lr: 0.003, beta1: 1 }", "beta1 = 1 is out of range" },
        { "negative epochs", "epochs: 3", "epochs: -3", "-3 is out of range" },
        { "zero batch size", "epochs: 3", "epochs: 3\nbatch_size: 0", "0 is out of range" },
        { "negative seed", "seeds: [1, 2]", "seeds: [1, -2]", "-2 is out of range" },
        { "validation of 1", "epochs: 3", "epochs: 3\nvalidation: 1", "1 is out of range" },
        { "negative noise", "{ eta: 0.01, gamma: 0.55 }", "{ eta: -0.01 }", "-0.01 is out of range" },
        { "negative warm-up", "{ steps: 20 }", "{ steps: -20 }", "-20 is out of range" },
        { "one-cycle pct_start 2", "{ name: one-cycle }", "{ name: one-cycle, pct_start: 2 }", "pct_start = 2 is out of range" },
        { "duplicate seed", "seeds: [1, 2]", "seeds: [1, 1]", "a seed is listed twice" },
        { "duplicate optimizer", "{ name: adam, lr: 0.003 }", "{ name: sgdm, lr: 0.05 }", "duplicates grid.optimizer[0]" },
        { "bad name", "name: good", "name: my sweep", "must be letters, digits" },
        { "missing name", "name: good", "", "missing key 'name'" },
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public void A_malformed_spec_is_one_message_exit_2_and_nothing_written(string name, string replace, string with, string message)
    {
        Assert.Contains(replace, Good);
        var spec = Path.Combine(_dir, "spec.yaml");
        File.WriteAllText(spec, Good.Replace(replace, with));
        var outDir = Path.Combine(_dir, "out");
        var r = CliRunner.InProcess("run", spec, "--out", outDir);
        Assert.True(r.ExitCode == 2, $"{name}: exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains(message, r.Stderr);
        Assert.StartsWith($"leeml-sweep run: {spec}:", r.Stderr);
        Assert.Equal(2, r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);   // the message and the --help hint
        Assert.Equal("", r.Stdout);
        Assert.False(Directory.Exists(outDir), "nothing written");
    }

    private const string GoodCsv = "a,b,colour,y\n1,2,red,yes\n3,4,blue,no\n5,6,red,yes\n7,8,blue,no\n1,3,red,yes\n2,4,blue,no\n";

    public static TheoryData<string, string, string> Csvs => new()
    {
        { "missing file", "(none)", "file not found" },
        { "empty file", "", "the file is empty" },
        { "only blank lines", "\n\n\n", "the file is empty" },
        { "no header", "1,2,3,4\n5,6,7,8\n", "no header row" },
        { "ragged row", "a,b,colour,y\n1,2,red,yes\n3,4,no\n", "ragged row" },
        { "non-numeric cell", GoodCsv.Replace("5,6,red", "5,six,red"), "column 'b': non-numeric cell 'six'" },
        { "empty numeric cell", GoodCsv.Replace("5,6,red", "5,,red"), "column 'b': empty cell in a numeric column" },
        { "NaN cell", GoodCsv.Replace("5,6,red", "5,NaN,red"), "column 'b': 'NaN' is not a finite number" },
        { "Inf cell", GoodCsv.Replace("5,6,red", "5,Infinity,red"), "column 'b': 'Infinity' is not a finite number" },
        { "a single class", GoodCsv.Replace(",no\n", ",yes\n"), "has a single class ('yes')" },
        { "unknown label column", GoodCsv.Replace("a,b,colour,y", "a,b,colour,label"), "unknown column 'y'" },
        { "unterminated quote", "a,b,colour,y\n1,2,\"red,yes\n", "unterminated quote" },
    };

    [Theory]
    [MemberData(nameof(Csvs))]
    public void A_bad_csv_names_file_line_and_column_exit_2(string name, string content, string message)
    {
        var csv = Path.Combine(_dir, "data.csv");
        if (content != "(none)") File.WriteAllText(csv, content);
        var saved = Path.Combine(_dir, "params.txt");
        var r = CliRunner.InProcess("fit", "--data", csv, "--label", "y", "--model", "logistic", "--batch-size", "2", "--save-params", saved);
        Assert.True(r.ExitCode == 2, $"{name}: exit {r.ExitCode}\n{r.Stderr}");
        Assert.Contains(message, r.Stderr);
        Assert.Contains(csv, r.Stderr);
        Assert.Equal("", r.Stdout);
        Assert.False(File.Exists(saved));
    }

    [Fact]
    public void A_csv_in_a_spec_is_checked_before_anything_is_written()
    {
        var csv = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(csv, "a,y\n1,2\n2,NaN\n3,4\n");
        var spec = Path.Combine(_dir, "spec.yaml");
        File.WriteAllText(spec, $"name: c\ndata: {{ csv: {csv}, label: a }}\nmodels: [gaussian-shared]\n");
        var outDir = Path.Combine(_dir, "out");
        var r = CliRunner.InProcess("run", spec, "--out", outDir);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{csv}:3: column 'y': 'NaN' is not a finite number", r.Stderr);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void A_relative_csv_path_is_read_from_the_spec_s_folder_not_the_working_folder()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "project")).FullName;
        File.WriteAllText(Path.Combine(folder, "points.csv"), "x,y,label\n" + string.Join("\n", Enumerable.Range(0, 40).Select(i => $"{i % 7},{i % 5},{i % 2}")) + "\n");
        var spec = Path.Combine(folder, "spec.yaml");
        File.WriteAllText(spec, "name: rel\ndata: { csv: points.csv, label: label }\nmodels: [gaussian-shared]\n");
        Assert.NotEqual(folder, Directory.GetCurrentDirectory());
        var plan = CliRunner.InProcess("plan", spec);
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        var outDir = Path.Combine(_dir, "rel-out");
        var run = CliRunner.InProcess("run", spec, "--out", outDir);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Single(File.ReadAllLines(Path.Combine(outDir, "results.jsonl")));
        File.Delete(Path.Combine(folder, "points.csv"));
        var missing = CliRunner.InProcess("plan", spec);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains($"{Path.Combine(folder, "points.csv")}: file not found", missing.Stderr);
    }

    [Fact]
    public void Report_on_results_out_of_key_order_or_not_json_is_one_message_exit_2_and_leaves_the_reports_as_they_were()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, "job")).FullName;
        var spec = Path.Combine(_dir, "small.yaml");
        File.WriteAllText(spec, "name: small\ndata: { synthetic: blobs, samples: 200 }\nmodels: [gaussian-shared, gaussian-separate]\n");
        Assert.Equal(0, CliRunner.InProcess("run", spec, "--out", dir).ExitCode);
        var results = Path.Combine(dir, "results.jsonl");
        var report = File.ReadAllText(Path.Combine(dir, "report.md"));
        File.WriteAllLines(results, File.ReadAllLines(results).Reverse());
        var unsorted = CliRunner.InProcess("report", dir);
        Assert.Equal(2, unsorted.ExitCode);
        Assert.Contains($"{results}: results are not in key order", unsorted.Stderr);
        File.WriteAllText(results, "{not json\n");
        var garbage = CliRunner.InProcess("report", dir);
        Assert.Equal(2, garbage.ExitCode);
        Assert.Contains($"{results}: ", garbage.Stderr);
        Assert.Equal(report, File.ReadAllText(Path.Combine(dir, "report.md")));
    }

    public static TheoryData<string, string, int> CommandLines => new()
    {
        { "tarce", "unknown command 'tarce'", 2 },
        { "run --bogus", "unknown option '--bogus'", 2 },
        { "run --slots 0", "--slots = '0' must be a whole number >= 1", 2 },
        { "run --out", "--out needs a value", 2 },
        { "run --out /proc/version", "--out /proc/version is a file; give a new folder", 2 },
        { "run missing.yaml", "missing.yaml: spec file not found", 2 },
        { "run a.yaml b.yaml", "unexpected argument 'b.yaml'", 2 },
        { "plan missing.yaml", "missing.yaml: spec file not found", 2 },
        { "node --roles worker --port abc --seed-nodes 127.0.0.1:4053", "--port 'abc' is not a port", 2 },
        { "node --roles worker --port 0 --seed-nodes 127.0.0.1:4053", "--port '0' is not a port", 2 },
        { "node --roles worker --port 65536 --seed-nodes 127.0.0.1:4053", "--port '65536' is not a port", 2 },
        { "node --roles worker --seed-nodes 127.0.0.1:99999", "'99999' is not a port", 2 },
        { "node --roles worker --seed-nodes 127.0.0.1", "'127.0.0.1' must be HOST:PORT", 2 },
        { "node --roles worker --seed-nodes bad_host!:4053", "is not a host name or address", 2 },
        { "node --roles chef --seed-nodes 127.0.0.1:4053", "unknown role 'chef'", 2 },
        { "node --seed-nodes 127.0.0.1:4053", "--roles is required", 2 },
        { "node --roles worker --seed-nodes 127.0.0.1:4053 --tls-cert x.pfx", "TLS needs both --tls-cert and --tls-ca", 2 },
        { "node --roles worker --seed-nodes 127.0.0.1:4053 --tls-cert x.pfx --tls-ca ca.crt", "--tls-cert x.pfx: file not found", 2 },
        { "submit", "give the SPEC", 2 },
        { "status", "--cluster is required", 2 },
        { "status --cluster nowhere", "'nowhere' must be HOST:PORT", 2 },
        { "cancel --cluster 127.0.0.1:4053", "give the JOB", 2 },
        { "report", "give the DIR", 2 },
        { "report /nonexistent-folder", "no results.jsonl there", 2 },
        { "fit --model logistic", "--data is required", 2 },
        { "fit --data blobs", "--model is required", 2 },
        { "fit --data blobs --model logistic --validation 1", "--validation = 1 must be", 2 },
        { "fit --data pokemon --data-dir /nonexistent --model logistic", "expects the file /nonexistent/pokemon.csv", 2 },
        { "fit --data blobs --model logistic --init-params /nonexistent.txt", "--init-params: file /nonexistent.txt not found", 2 },
    };

    [Theory]
    [MemberData(nameof(CommandLines))]
    public void A_bad_command_line_is_one_message_and_its_exit_code(string line, string message, int code)
    {
        var r = CliRunner.InProcess(line.Split(' '));
        Assert.True(r.ExitCode == code, $"{line}: exit {r.ExitCode}\n{r.Stderr}");
        Assert.Contains(message, r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Data_that_does_not_exist_or_parse_is_refused_by_plan_run_and_submit_before_anything_is_sent()
    {
        var spec = Path.Combine(_dir, "csv.yaml");
        File.WriteAllText(spec, "name: csv\ndata: { csv: missing.csv, label: y }\nmodels: [gaussian-shared]\n");
        foreach (var line in new[] { new[] { "plan", spec }, ["run", spec, "--out", Path.Combine(_dir, "out")], ["submit", spec, "--cluster", "127.0.0.1:1"] })
        {
            var r = CliRunner.Process(_dir, line);
            Assert.True(r.ExitCode == 2, $"{line[0]}: exit {r.ExitCode}\n{r.Stderr}");
            Assert.Contains("missing.csv: file not found", r.Stderr);   // not "connection refused": nothing was sent
        }
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
        File.WriteAllText(Path.Combine(_dir, "bad.csv"), "a,y\n1,0\n2\n");   // a ragged row
        File.WriteAllText(spec, "name: csv\ndata: { csv: bad.csv, label: y }\nmodels: [gaussian-shared]\n");
        var parse = CliRunner.Process(_dir, "submit", spec, "--cluster", "127.0.0.1:1");
        Assert.Equal(2, parse.ExitCode);
        Assert.Contains("bad.csv", parse.Stderr);
    }

    [Fact]
    public void Seed_nodes_that_do_not_answer_exit_1_with_a_clear_message()
    {
        var spec = Path.Combine(_dir, "spec.yaml");
        File.WriteAllText(spec, Good);
        var port = LeeMl.Sweep.Tests.FreePorts.Next();   // nobody listens there
        var one = CliRunner.Process(_dir, "submit", spec, "--cluster", $"127.0.0.1:{port}", "--timeout", "2");
        Assert.Equal(1, one.ExitCode);
        Assert.Equal($"leeml-sweep submit: 127.0.0.1:{port}: connection refused (is a coordinator node with --http running there?)", one.Stderr.Trim());
        var two = CliRunner.Process(_dir, "submit", spec, "--cluster", $"127.0.0.1:{port},localhost:{port}", "--timeout", "2");
        Assert.Equal(1, two.ExitCode);
        Assert.Contains($"no coordinator answered (127.0.0.1:{port}: connection refused (is a coordinator node with --http running there?); localhost:{port}: connection refused", two.Stderr);
    }

    [Fact]
    public void Logistic_on_three_classes_fails_its_trials_not_the_sweep_and_a_diverging_trial_is_recorded()
    {
        // A trial that cannot run or that diverges is recorded as such; the other trials go on,
        // and the run says it failed (exit 1), because some trials did.
        var spec = Path.Combine(_dir, "spec.yaml");
        File.WriteAllText(spec, """
            name: mixed
            data: { synthetic: blobs, samples: 300, features: 4, classes: 3 }
            models: [logistic, { name: mlp, hidden: 16 }]
            epochs: 3
            seeds: [1]
            grid:
              optimizer: [ { name: sgd, lr: 0.1 }, { name: sgd, lr: 1e300 } ]
            """);
        var outDir = Path.Combine(_dir, "out");
        var r = CliRunner.Process(_dir, "run", spec, "--out", outDir);
        Assert.True(r.ExitCode == 1, r.Stderr + r.Stdout);
        Assert.Contains(": failed, 4/4 done", r.Stdout);
        Assert.Contains("2 failed, 1 diverged", r.Stdout);
        var lines = File.ReadAllLines(Path.Combine(outDir, "results.jsonl"));
        Assert.Equal(4, lines.Length);
        Assert.Equal(2, lines.Count(l => l.Contains("\"outcome\":\"failed\"", StringComparison.Ordinal) && l.Contains("is for two classes", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Contains("\"outcome\":\"diverged\"", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("\"outcome\":\"completed\"", StringComparison.Ordinal));
        Assert.Contains("(1 diverged)", File.ReadAllText(Path.Combine(outDir, "report.md")));
    }

    [Fact]
    public void An_unknown_job_id_is_exit_2_on_a_running_cluster()
    {
        var akkaPort = LeeMl.Sweep.Tests.FreePorts.Next();
        var port = LeeMl.Sweep.Tests.FreePorts.Next();
        using var node = new LeeMl.Sweep.Tests.CliProcess(_dir, "node", "--roles", "coordinator,worker", "--port", $"{akkaPort}",
            "--seed-nodes", $"127.0.0.1:{akkaPort}", "--db", Path.Combine(_dir, "n.db"), "--slots", "1", "--http", $"{port}");
        LeeMl.Sweep.Tests.CliProcess.Result status = default!;
        for (var i = 0; i < 40; i++)
        {
            status = CliRunner.Process(_dir, "status", "no-such-job", "--cluster", $"127.0.0.1:{port}", "--timeout", "3");
            if (status.ExitCode != 1) break;   // 1: not up yet
        }
        Assert.Equal(2, status.ExitCode);
        Assert.Contains("unknown job 'no-such-job'", status.Stderr);
        // The node's cluster port is not its HTTP API: said so, with the port to use. The node drops the
        // connection as soon as it reads the request; the long timeout is for a node busy with other tests' cores.
        var wrongPort = CliRunner.Process(_dir, "status", "--cluster", $"127.0.0.1:{akkaPort}", "--timeout", "15");
        Assert.Equal(1, wrongPort.ExitCode);
        Assert.Contains($"127.0.0.1:{akkaPort} does not speak HTTP (is it a node's cluster port?): point --cluster at a coordinator's --http port", wrongPort.Stderr);
        var cancel = CliRunner.Process(_dir, "cancel", "no-such-job", "--cluster", $"127.0.0.1:{port}", "--timeout", "5");
        Assert.Equal(2, cancel.ExitCode);
        Assert.Contains("unknown job 'no-such-job'", cancel.Stderr);

        // A job that has ended cannot be cancelled: said so, exit code 3; a running one is (exit 0).
        var spec = Path.Combine(_dir, "spec.yaml");
        File.WriteAllText(spec, Good);
        var done = CliRunner.Process(_dir, "submit", spec, "--cluster", $"127.0.0.1:{port}", "--wait", "--out", Path.Combine(_dir, "done"));
        Assert.True(done.ExitCode == 0, done.Stderr);
        var doneJob = done.Stdout.Split('\n')[0].Trim();
        var again = CliRunner.Process(_dir, "cancel", doneJob, "--cluster", $"127.0.0.1:{port}");
        Assert.Equal(3, again.ExitCode);
        Assert.Contains($"job {doneJob} had already ended (done); nothing to cancel", again.Stdout);
        // Changes the job cannot take: exit 2 with the reason; a retry with nothing failed says so.
        var cluster = $"127.0.0.1:{port}";
        foreach (var (args, said) in new (string[], string)[]
                 {
                     (["pause", "no-such-job"], "unknown job 'no-such-job'"),
                     (["pause", doneJob], "the job is done; only a running job can be paused"),
                     (["resume", doneJob], "the job is done; only a paused job can be resumed"),
                     (["extend", doneJob, spec], "the new spec adds no trial to the job"),
                 })
        {
            var refused = CliRunner.InProcess([.. args, "--cluster", cluster]);
            Assert.True(refused.ExitCode == 2 && refused.Stderr.Contains(said, StringComparison.Ordinal), $"{string.Join(' ', args)}: {refused.ExitCode} {refused.Stderr}");
        }
        var retry = CliRunner.InProcess("retry", doneJob, "--cluster", cluster);
        Assert.True(retry.ExitCode == 0 && retry.Stdout.Contains("no trial has failed: nothing to retry", StringComparison.Ordinal), retry.Stderr + retry.Stdout);
        var slow = Path.Combine(_dir, "slow.yaml");
        File.WriteAllText(slow, Good.Replace("epochs: 3", "epochs: 5000", StringComparison.Ordinal).Replace("name: good", "name: slow", StringComparison.Ordinal));
        var running = CliRunner.Process(_dir, "submit", slow, "--cluster", $"127.0.0.1:{port}");
        var runningJob = running.Stdout.Trim();
        var stop = CliRunner.Process(_dir, "cancel", runningJob, "--cluster", $"127.0.0.1:{port}");
        Assert.True(stop.ExitCode == 0, stop.Stderr);
        Assert.Contains($"cancelled {runningJob}", stop.Stdout);
        var cancelled = CliRunner.Process(_dir, "status", runningJob, "--cluster", $"127.0.0.1:{port}", "--json");
        Assert.Contains("\"state\":\"cancelled\"", cancelled.Stdout);
    }
}
