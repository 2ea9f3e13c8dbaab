using System.Diagnostics;

namespace LeeMl.Sweep.Cli.Tests.CommandLine;

/// <summary>The .NET command-line conventions, as a user meets them: the real program in its own process.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string TinySpec = """
        name: tiny
        data: { synthetic: blobs, samples: 300, features: 4, seed: 1 }
        models: [logistic, gaussian-shared]
        epochs: 2
        seeds: [1]
        grid:
          optimizer: [ { name: sgdm, lr: 0.05 } ]
        """;

    [Fact]
    public void Option_equals_value_works_and_a_response_file_stands_for_its_arguments()
    {
        var spec = Path.Combine(_dir, "tiny.yaml");
        File.WriteAllText(spec, TinySpec);
        var outDir = Path.Combine(_dir, "out");
        var r = CliRunner.Process(_dir, "run", spec, $"--out={outDir}", "--slots=1");
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(outDir, "results.jsonl")).Length);

        var rsp = Path.Combine(_dir, "plan.rsp");
        File.WriteAllText(rsp, $"plan\n{spec}\n--count\n");
        var plan = CliRunner.Process(_dir, "@" + rsp);
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        Assert.Equal("2 trials in sweep 'tiny' on blobs(features=4, samples=300, seed=1)", plan.Stdout.Trim());
    }

    [Fact]
    public void A_mistyped_command_or_option_gets_a_suggestion_and_exit_code_2()
    {
        var command = CliRunner.Process(_dir, "rnu");
        Assert.Equal(2, command.ExitCode);
        Assert.StartsWith("leeml-sweep: unknown command 'rnu'; did you mean 'run'?", command.Stderr);
        var option = CliRunner.Process(_dir, "run", "--otu", "x");
        Assert.Equal(2, option.ExitCode);
        Assert.StartsWith("leeml-sweep run: unknown option '--otu'; did you mean '--out'?", option.Stderr);
        Assert.Equal("", option.Stdout);
    }

    [Fact]
    public void Version_prints_the_version()
    {
        var r = CliRunner.Process(_dir, "--version");
        Assert.Equal(0, r.ExitCode);
        var expected = typeof(LeeMl.Sweep.Cli.CommandLine.CliApp).Assembly.GetName().Version!;
        Assert.StartsWith($"{expected.Major}.{expected.Minor}.{expected.Build}", r.Stdout.Trim());
    }

    [Fact]
    public void Help_is_named_after_the_program()
    {
        var r = CliRunner.Process(_dir, "run", "-h");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("leeml-sweep run [<SPEC>] [options]", r.Stdout);
        Assert.Contains("--out <DIR>", r.Stdout);
    }

    /// <summary>The script from <c>completion bash</c>, loaded in a real bash, completes <c>leeml-sweep run --o</c>.</summary>
    [Fact]
    public void Bash_completion_completes_run_dash_dash_o_to_dash_dash_out()
    {
        var bin = Path.Combine(_dir, "bin");
        Directory.CreateDirectory(bin);
        var launcher = Path.Combine(bin, "leeml-sweep");
        File.WriteAllText(launcher, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "leeml-sweep.dll")}' \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var script = CliRunner.Process(_dir, "completion", "bash");
        Assert.Equal(0, script.ExitCode);
        var scriptFile = Path.Combine(_dir, "completion.bash");
        File.WriteAllText(scriptFile, script.Stdout);

        string Complete(string line)
        {
            var words = line.Split(' ');
            var probe = $"""
                source '{scriptFile}'
                COMP_LINE='{line}'; COMP_POINT={line.Length}; COMP_WORDS=({string.Join(' ', words.Select(w => $"'{w}'"))}); COMP_CWORD={words.Length - 1}
                _leeml_sweep_complete
                printf '%s\n' "${"{"}COMPREPLY[@]{"}"}"
                """;
            var psi = new ProcessStartInfo("bash", ["-c", probe]) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return output.Trim();
        }

        Assert.Equal("--out", Complete("leeml-sweep run --o"));
        Assert.Contains("submit", Complete("leeml-sweep su").Split('\n'));
    }
}
