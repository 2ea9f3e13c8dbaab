using System.Diagnostics;
using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Cli.Tests.Deploy;

/// <summary>The program as users install it: a .NET tool packed from this build, installed from a
/// local folder and run in a clean one; and the self-contained single file, run with nothing on PATH.</summary>
public sealed class InstallTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-install-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>bin/CONFIGURATION/net10.0: the configuration of the build the tests run on.</summary>
    private static string Configuration => Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)))!;

    private static (int Code, string Output) Run(string program, string workingDirectory, params string[] args) => Run(program, workingDirectory, null, args);

    /// <param name="bare">Run with only these variables: no PATH, no DOTNET_ROOT (a machine without .NET).</param>
    private static (int Code, string Output) Run(string program, string workingDirectory, Dictionary<string, string>? bare, params string[] args)
    {
        var start = new ProcessStartInfo(program, args) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (bare is not null)
        {
            start.Environment.Clear();
            foreach (var (name, value) in bare) start.Environment[name] = value;
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), $"{program} {string.Join(' ', args)} did not finish");
        return (p.ExitCode, stdout.Result + stderr);
    }

    [Fact]
    public void The_packed_tool_installs_from_a_folder_and_runs_a_sweep_in_a_clean_one()
    {
        var packages = Path.Combine(_dir, "packages");
        var pack = Run("dotnet", RepoPaths.Root, "pack", "src/LeeMl.Sweep.Cli", "--no-build", "-c", Configuration, "-o", packages);
        Assert.True(pack.Code == 0, pack.Output);
        var tools = Path.Combine(_dir, "tools");
        var install = Run("dotnet", _dir, "tool", "install", "LeeMl.Sweep", "--tool-path", tools, "--add-source", packages);
        Assert.True(install.Code == 0, install.Output);

        var clean = Directory.CreateDirectory(Path.Combine(_dir, "clean")).FullName;
        File.WriteAllText(Path.Combine(clean, "tiny.yaml"), """
            name: tiny
            data: { synthetic: moons, samples: 300 }
            models: [logistic, gaussian-shared]
            epochs: 3
            grid: { optimizer: [ { name: sgdm, lr: 0.1 }, { name: adam } ] }
            """);
        var run = Run(Path.Combine(tools, "leeml-sweep"), clean, "run", "tiny.yaml", "--out", "out");
        Assert.True(run.Code == 0, run.Output);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(clean, "out", "results.jsonl")).Length);
        Assert.True(File.Exists(Path.Combine(clean, "out", "report.html")));
    }

    [Fact]
    public void The_self_contained_single_file_runs_the_lecture_grid_with_no_dotnet_on_the_path_and_gives_the_bytes_of_run()
    {
        // The publish of deploy/README.md; the libraries of this build are taken as they are (they are
        // the same for every runtime), only the program is linked for linux-x64 with the runtime inside.
        var dist = Path.Combine(_dir, "dist");
        var publish = Run("dotnet", RepoPaths.Root, "publish", "src/LeeMl.Sweep.Cli", "-c", Configuration, "-r", "linux-x64",
            "-p:SelfContained=true", "-p:PublishSingleFile=true", "-p:BuildProjectReferences=false", "-o", dist);
        Assert.True(publish.Code == 0, publish.Output);
        var single = Path.Combine(dist, "leeml-sweep");
        Assert.DoesNotContain(Directory.GetFiles(dist), f => f.EndsWith(".dll", StringComparison.Ordinal));   // one file, nothing beside it to load

        var clean = Directory.CreateDirectory(Path.Combine(_dir, "bare")).FullName;
        var run = Run(single, clean, new Dictionary<string, string> { ["HOME"] = clean }, "run", "--out", "out");
        Assert.True(run.Code == 0, run.Output);
        Assert.Contains("sweep 'lecture-grid'", run.Output);
        Assert.True(File.Exists(Path.Combine(clean, "out", "report.html")));

        var reference = Path.Combine(_dir, "reference");
        var inProcess = CliRunner.InProcess("run", "--out", reference);
        Assert.True(inProcess.ExitCode == 0, inProcess.Stdout + inProcess.Stderr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "results.jsonl")), File.ReadAllBytes(Path.Combine(clean, "out", "results.jsonl")));
    }
}
