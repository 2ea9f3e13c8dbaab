namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>The exit codes every command uses (README.md lists them).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The work itself failed (I/O error, failed trials, a cluster that did not answer).</summary>
    public const int Failed = 1;
    /// <summary>Bad input: unknown option, bad value, malformed spec or data. Nothing was written.</summary>
    public const int BadInput = 2;
    /// <summary>Nothing to do: the job to cancel had already ended.</summary>
    public const int NothingToDo = 3;
}
