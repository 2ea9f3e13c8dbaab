using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Trials;

namespace LeeMl.Sweep.Bench;

/// <summary>A trial kind that trains nothing: each trial sleeps <c>sleepMs</c> and reports a made-up curve of <c>fakeEpochs</c> epochs, so the engine's own cost shows.</summary>
public sealed class StandInKind(int sleepMs, int fakeEpochs) : ITrialKind
{
    public string Name => "stand-in";

    public ITrial Start(SweepSpec sweep, TrialSpec trial, DataLoader data, Experiments.Programs.TrialHost host) => new StandInTrial(trial, sleepMs, fakeEpochs);

    private sealed class StandInTrial(TrialSpec trial, int sleepMs, int fakeEpochs) : ITrial
    {
        public int Step { get; private set; }

        public bool IsOver { get; private set; }

        public EpochResult? LastStep => null;

        public void RunUntil(int step, Action<EpochResult>? onStep, CancellationToken cancel)
        {
            if (sleepMs > 0) Thread.Sleep(sleepMs);
            Step = step;
            IsOver = true;
        }

        public TrialResult Result(int? stoppedAtRung = null)
        {
            var curve = Enumerable.Range(1, fakeEpochs).Select(e => new EpochResult(e, e * 100, 0.01, 0.5, 0.8, 0.6, 0.75, 0.1)).ToList();
            return new TrialResult(trial.Key, trial.Model.ToString(), trial.Optimizer?.ToString(), null, null, null, trial.Seed, TrialOutcome.Completed, null, null,
                0.8, 0.75, double.NaN, 0.5, 0.6, fakeEpochs > 0 ? 1 : null, null, curve);
        }

        public void Dispose()
        {
        }
    }
}
