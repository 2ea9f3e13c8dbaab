namespace LeeMl.Sweep.Experiments.Programs;

/// <summary>
/// What a worker lets programs do (it runs none without it: <c>node --allow-programs</c>): where
/// trial folders go, which user runs them (null: the worker's own), and the limits each gets.
/// </summary>
public sealed record ProgramHost(string ScratchRoot, string? RunAs = null, ProgramLimits? Limits = null)
{
    public static string DefaultScratchRoot => Path.Combine(Path.GetTempPath(), "leeml-trials");

    public ProgramLimits Limits { get; init; } = Limits ?? ProgramLimits.Default;
}

/// <summary>
/// Per-trial limits (setrlimit through prlimit): open files, processes of the user, and the
/// data segment in bytes (null: none — CUDA and PyTorch reserve far more address space than they use).
/// </summary>
public sealed record ProgramLimits(int OpenFiles, int Processes, long? MemoryBytes)
{
    public static readonly ProgramLimits Default = new(4096, 4096, null);
}

/// <summary>What a trial runs with on this worker: programs allowed (or not), and the GPUs given to it alone.</summary>
public sealed record TrialHost(ProgramHost? Programs, IReadOnlyList<int> Gpus)
{
    public static readonly TrialHost None = new(null, []);
}
