using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Noise;
using LeeMl.Sweep.Optim.Optimizers;
using LeeMl.Sweep.Optim.Schedules;

namespace LeeMl.Sweep.Optim;

/// <summary>
/// One training update, composed: the schedule gives step i's learning rate (and cycled momentum),
/// the gradient noise perturbs the gradient, the optimizer applies the rule. Allocates its noise
/// buffer once; nothing per step.
/// </summary>
public sealed class Updater
{
    private readonly double[] _noisy;

    public Updater(Optimizer optimizer, ISchedule? schedule = null, GradientNoise? noise = null)
    {
        if (schedule is null && double.IsNaN(optimizer.LearningRate))
            throw new HyperparameterException($"optimizer '{optimizer.Name}': lr is required when no schedule is given");
        if (schedule is { CyclesMomentum: true } && optimizer.MomentumTarget == MomentumTarget.None)
            throw new HyperparameterException($"optimizer '{optimizer.Name}' has no momentum or beta1 for the schedule's cycle_momentum to cycle");
        Optimizer = optimizer;
        Schedule = schedule;
        Noise = noise;
        _noisy = noise is null ? [] : new double[optimizer.Dimension];
    }

    public Optimizer Optimizer { get; }

    public ISchedule? Schedule { get; }

    public GradientNoise? Noise { get; }

    /// <summary>The 0-based index of the next step.</summary>
    public long Step => Optimizer.StepCount;

    /// <summary>The learning rate the next step will use.</summary>
    public double LearningRate => Schedule?.LearningRate(Step) ?? Optimizer.LearningRate;

    /// <summary>Updates <paramref name="parameters"/> in place with the gradient taken at them.</summary>
    public void Apply(Span<double> parameters, ReadOnlySpan<double> gradient)
    {
        var i = Step;
        var lr = Schedule?.LearningRate(i) ?? Optimizer.LearningRate;
        var momentum = Schedule?.Momentum(i) ?? double.NaN;
        if (Noise is not null)
        {
            Noise.Apply(gradient, _noisy, i);
            gradient = _noisy;
        }
        Optimizer.Step(parameters, gradient, lr, momentum);
    }

    /// <summary>
    /// Builds optimizer, schedule and noise from specs. A schedule's lr/max_lr default to the
    /// optimizer's lr and its total_steps to <paramref name="totalSteps"/>.
    /// </summary>
    public static Updater Create(ComponentSpec optimizer, int dimension, ComponentSpec? schedule = null,
        long? totalSteps = null, GradientNoise? noise = null)
    {
        var opt = OptimizerCatalog.Create(optimizer, dimension, learningRateFromSchedule: schedule is not null);
        var sched = schedule is null
            ? null
            : ScheduleCatalog.Create(schedule, new ScheduleContext(OptimizerCatalog.LearningRateOf(optimizer), totalSteps));
        return new Updater(opt, sched, noise);
    }
}
