using System.Diagnostics;

namespace LeeMl.Sweep.Experiments.Programs;

/// <summary>Hands a trial's folder to the user its program runs as (<c>--run-as</c>): the worker runs as root then.</summary>
public static class Ownership
{
    public static void Give(string folder, string user)
    {
        using var chown = Process.Start(new ProcessStartInfo("/bin/chown", ["-R", "--", $"{user}:", folder]) { UseShellExecute = false, RedirectStandardError = true })!;
        var error = chown.StandardError.ReadToEnd();
        chown.WaitForExit();
        if (chown.ExitCode != 0) throw new IOException($"--run-as {user}: cannot give the trial's folder to that user: {error.Trim()}");
    }
}
