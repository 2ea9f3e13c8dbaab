using LeeMl.Sweep.Experiments.Running;

namespace LeeMl.Sweep.Cluster.Workers;

/// <summary>How a worker node trains: its name, slots, where named datasets are read from, and what runs a trial.</summary>
public sealed record WorkerOptions(string Node, int Slots, string? DataDirectory, bool LogTrials = false)
{
    public TrialExecutor Executor { get; init; } = TrialRunner.Run;
}
