using System.Collections.Immutable;

namespace LeeMl.Sweep.Experiments.Programs;

/// <summary>
/// A spec's <c>program</c>: the user's own training command, run once per trial. <see cref="Command"/>
/// is a list of words with macros (<see cref="CommandMacros"/>); <see cref="Files"/> are shipped with
/// the job and laid out in the trial's folder; <see cref="Env"/> is all the environment the program
/// gets beside the trial's own variables. Times are in seconds.
/// </summary>
public sealed record ProgramSpec(
    ImmutableArray<string> Command,
    ImmutableArray<string> Files,
    ImmutableSortedDictionary<string, string> Env,
    double TimeoutSeconds,
    double StopGraceSeconds,
    ProgramObjective Objective,
    int Gpus,
    bool KeepScratch,
    double MaxFailedFraction)
{
    public const double DefaultTimeoutSeconds = 24 * 3600;
    public const double DefaultStopGraceSeconds = 30;

    /// <summary>A job ends failed early when more than this share of its first results failed (and at least <see cref="FailFastAfter"/> ended).</summary>
    public const double DefaultMaxFailedFraction = 0.5;

    /// <summary>How many trials must have ended before the share of failures can end a job.</summary>
    public const int FailFastAfter = 5;
}

/// <summary>The metric a program trial is judged by, and whether more is better.</summary>
public sealed record ProgramObjective(string Metric, bool Maximize);
