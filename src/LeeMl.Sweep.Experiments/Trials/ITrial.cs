using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Experiments.Trials;

/// <summary>
/// A running trial, as the worker drives it whatever its kind: run to a step (an epoch), reporting
/// each; stay paused there while early stopping decides (a rung); run on, or stop; then its result.
/// Only one thread at a time calls it; it may be a different thread after each pause.
/// </summary>
public interface ITrial : IDisposable
{
    /// <summary>Steps done so far.</summary>
    int Step { get; }

    /// <summary>Nothing more to run: every step done, diverged, or over at once (it could not run).</summary>
    bool IsOver { get; }

    /// <summary>The newest step as the result records it (null before the first).</summary>
    EpochResult? LastStep { get; }

    /// <summary>Runs until <paramref name="step"/> steps are done or the trial is over, calling <paramref name="onStep"/> after each; then it pauses.</summary>
    void RunUntil(int step, Action<EpochResult>? onStep, CancellationToken cancel);

    /// <summary>The result now: the whole run's when it is over; stopped at rung <paramref name="stoppedAtRung"/> (1-based) when early stopping ends it.</summary>
    TrialResult Result(int? stoppedAtRung = null);

    /// <summary>What the trial prints, as it prints it (a program's output; null for a trial that prints nothing).</summary>
    Programs.LogTail? Output => null;
}
