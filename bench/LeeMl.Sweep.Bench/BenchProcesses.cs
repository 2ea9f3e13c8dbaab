using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LeeMl.Sweep.Bench;

/// <summary>The benchmarks' processes: a .NET program started in a folder with its output drained, and free loopback ports.</summary>
internal static class BenchProcesses
{
    /// <summary>The leeml-sweep program built beside the benchmarks.</summary>
    public static string Cli => Path.Combine(AppContext.BaseDirectory, "leeml-sweep.dll");

    /// <summary>Starts <c>dotnet PROGRAM ARGS</c> in <paramref name="dir"/>; its output is drained, never read (a full pipe would stop it).</summary>
    public static Process Start(string program, string dir, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        psi.ArgumentList.Add(program);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public static int FreePort() => LeeMl.Sweep.Tests.FreePorts.Next();
}
