using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Trials;

namespace LeeMl.Sweep.Cluster.Tests.Workers;

/// <summary>A trial kind whose whole run is one call of <paramref name="run"/> (the tests' stand-in for training).</summary>
public sealed class StubTrialKind(Func<TrialSpec, CancellationToken, TrialResult> run) : ITrialKind
{
    public string Name => "stub";

    public ITrial Start(SweepSpec sweep, TrialSpec trial, DataLoader data, Experiments.Programs.TrialHost host) => new Trial(trial, run, sweep.Epochs);

    private sealed class Trial(TrialSpec spec, Func<TrialSpec, CancellationToken, TrialResult> run, int epochs) : ITrial
    {
        private TrialResult? _result;

        public int Step => _result is null ? 0 : epochs;

        public bool IsOver => _result is not null;

        public EpochResult? LastStep => _result?.Epochs.LastOrDefault();

        public void RunUntil(int step, Action<EpochResult>? onStep, CancellationToken cancel) => _result = run(spec, cancel);

        public TrialResult Result(int? stoppedAtRung = null) => _result ?? throw new InvalidOperationException("not run");

        public void Dispose()
        {
        }
    }
}
