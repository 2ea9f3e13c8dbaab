using System.Diagnostics;
using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Cli.Tests.Deploy;

/// <summary>The program as users install it: a .NET tool packed from this build, installed from a local folder and run in a clean one.</summary>
public sealed class InstallTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-install-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Output) Run(string program, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(program, args) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
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
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)))!;   // bin/CONFIGURATION/net10.0: the build the tests run on
        var packages = Path.Combine(_dir, "packages");
        var pack = Run("dotnet", RepoPaths.Root, "pack", "src/LeeMl.Sweep.Cli", "--no-build", "-c", configuration, "-o", packages);
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
}
