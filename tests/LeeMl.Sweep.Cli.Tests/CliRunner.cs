using System.Diagnostics;
using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Cli.Tests;

/// <summary>Runs the CLI in this process (fast) or as a real child process (exit codes, streams).</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result InProcess(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = LeeMl.Sweep.Cli.CommandLine.CliApp.Run(args, stdout, stderr);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The built leeml-sweep.dll, started with dotnet, in <paramref name="workingDirectory"/>.</summary>
    public static Result Process(string? workingDirectory, params string[] args) => Process(workingDirectory, args, []);

    /// <summary>As above, with environment variables set (a null value removes the variable).</summary>
    public static Result Process(string? workingDirectory, string[] args, Dictionary<string, string?> environment)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "leeml-sweep.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? RepoPaths.Root };
        foreach (var (name, value) in environment)
            if (value is null) psi.Environment.Remove(name); else psi.Environment[name] = value;
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"leeml-sweep {string.Join(' ', args)} did not finish");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
