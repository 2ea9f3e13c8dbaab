using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Cli.Tests;

/// <summary>Runs the CLI in this process (fast) or as a real child process through <see cref="CliProcess"/> (exit codes, streams).</summary>
internal static class CliRunner
{
    public static CliProcess.Result InProcess(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = LeeMl.Sweep.Cli.CommandLine.CliApp.Run(args, stdout, stderr);
        return new CliProcess.Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The built leeml-sweep.dll, started with dotnet, in <paramref name="workingDirectory"/> (the repository's root by default).</summary>
    public static CliProcess.Result Process(string? workingDirectory, params string[] args) => Process(workingDirectory, args, []);

    /// <summary>As above, with environment variables set (a null value removes the variable).</summary>
    public static CliProcess.Result Process(string? workingDirectory, string[] args, Dictionary<string, string?> environment) =>
        CliProcess.Run(workingDirectory ?? RepoPaths.Root, args, environment);
}
