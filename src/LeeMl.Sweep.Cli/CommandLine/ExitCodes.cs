namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>The exit codes every command uses (README.md lists them).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The work itself failed (I/O error, a run that could not finish).</summary>
    public const int Failed = 1;
    /// <summary>Bad input: unknown option, bad value, malformed spec or data. Nothing was written.</summary>
    public const int BadInput = 2;
}
