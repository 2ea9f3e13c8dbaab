using System.Collections.Immutable;
using LeeMl.Sweep.Experiments.Functions;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Experiments.Trials;

/// <summary>A built-in test function as a trial kind (a spec with <c>function:</c>).</summary>
public sealed class FunctionTrialKind : ITrialKind
{
    public const string KindName = "function";

    public string Name => KindName;

    public ITrial Start(SweepSpec sweep, TrialSpec trial, DataLoader data, Programs.TrialHost host) => new FunctionTrial(sweep, trial);
}

/// <summary>
/// One evaluation of a test function at the trial's x1…xd: one step whose metric <c>value</c> is
/// the function's value, plus Gaussian noise of the spec's standard deviation drawn from the
/// trial's own seed (so a noisy trial gives the same value on every node), after the spec's
/// <c>seconds</c> of waiting.
/// </summary>
public sealed class FunctionTrial(SweepSpec sweep, TrialSpec trial) : ITrial
{
    private readonly FunctionSpec _function = sweep.Function ?? throw new ArgumentException("the spec has no function", nameof(sweep));
    private EpochResult? _step;

    public int Step => _step is null ? 0 : 1;

    public bool IsOver => _step is not null;

    public EpochResult? LastStep => _step;

    public void RunUntil(int step, Action<EpochResult>? onStep, CancellationToken cancel)
    {
        if (_step is not null || step < 1) return;
        if (_function.Seconds > 0) cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(_function.Seconds));
        cancel.ThrowIfCancellationRequested();
        _step = new EpochResult(1, 1, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN)
        {
            Metrics = ImmutableSortedDictionary.Create<string, double>(StringComparer.Ordinal).Add("value", Value(_function, trial)),
        };
        onStep?.Invoke(_step);
    }

    /// <summary>The function at the trial's arguments, with its noise.</summary>
    public static double Value(FunctionSpec function, TrialSpec trial)
    {
        var x = new double[function.Dimensions];
        for (var i = 0; i < x.Length; i++)
            x[i] = trial.Model.Params.TryGetValue($"x{i + 1}", out var v) && v is ParamValue.Number n ? n.Value : throw new ArgumentException($"the trial has no number x{i + 1}");
        var value = TestFunction.Evaluate(function.Name, x);
        if (function.Noise > 0)
        {
            var rng = new Optim.Noise.Xoshiro256(trial.TrainingSeed);
            value += function.Noise * rng.NextGaussian();
        }
        return value;
    }

    public TrialResult Result(int? stoppedAtRung = null)
    {
        var value = _step?.Metric("value") ?? double.NaN;
        var outcome = _step is null ? TrialOutcome.Failed : double.IsFinite(value) ? TrialOutcome.Completed : TrialOutcome.Diverged;
        return TrialResult.FailedWith(trial, "") with
        {
            Outcome = outcome,
            Error = _step is null ? "the trial ended before the function was evaluated" : null,
            DivergedEpoch = outcome == TrialOutcome.Diverged ? 1 : null,
            BestEpoch = outcome == TrialOutcome.Completed ? 1 : null,
            Epochs = _step is null ? [] : [_step],
            Params = ProgramTrial.ParamsOf(trial.Model),
            Objective = double.IsFinite(value) ? value : null,
            Metrics = _step?.Metrics,
        };
    }

    public void Dispose() { }
}
