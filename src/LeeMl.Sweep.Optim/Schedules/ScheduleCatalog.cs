using LeeMl.Sweep.Optim.Hyper;
using Range = LeeMl.Sweep.Optim.Hyper.Range;

namespace LeeMl.Sweep.Optim.Schedules;

/// <summary>
/// What a schedule may take from where it is used when its spec leaves it out: the optimizer's
/// learning rate (lr, max_lr) and the length of the run (total_steps).
/// </summary>
public readonly record struct ScheduleContext(double? LearningRate, long? TotalSteps);

/// <summary>Builds schedules from specs by name, validating every hyperparameter.</summary>
public static class ScheduleCatalog
{
    public static readonly IReadOnlyList<string> Names =
        ["constant", "step", "cosine", "cosine-restarts", "cyclic", "one-cycle", "warmup-linear"];

    /// <summary>One line per schedule for --help.</summary>
    public const string Help = """
          constant         lr
          step             lr, step_size (required), gamma=0.1
          cosine           lr, total_steps, eta_min=0
          cosine-restarts  lr, T_0 (required), T_mult=1, eta_min=0
          cyclic           max_lr, base_lr (default base_lr_factor*max_lr), base_lr_factor=0.1,
                           step_size_up (required), mode=triangular|triangular2|exp_range, gamma=1
          one-cycle        max_lr, total_steps, pct_start=0.3, anneal=cos|linear, div_factor=25,
                           final_div_factor=1e4, three_phase=false, cycle_momentum=false,
                           base_momentum=0.85, max_momentum=0.95
          warmup-linear    warmup_steps (required), start_factor=0, then=<schedule> (default constant),
                           then.<param>=... for its parameters
          lr and max_lr default to the optimizer's lr, total_steps to the number of steps run.
        """;

    public static ISchedule Create(ComponentSpec spec, ScheduleContext context)
    {
        var h = new Hyperparameters(spec, "schedule");
        var lr = context.LearningRate;
        var total = context.TotalSteps is { } t ? (int?)checked((int)t) : null;
        ISchedule schedule = spec.Name switch
        {
            "constant" => new Constant(h.Double("lr", lr, Range.Positive)),
            "step" => new StepDecay(h.Double("lr", lr, Range.Positive), h.Int("step_size", null, Range.PositiveInteger),
                h.Double("gamma", 0.1, Range.Positive)),
            "cosine" => new Cosine(h.Double("lr", lr, Range.Positive), h.Int("total_steps", total, Range.PositiveInteger),
                h.Double("eta_min", 0, Range.NonNegative)),
            "cosine-restarts" => new CosineRestarts(h.Double("lr", lr, Range.Positive), h.Int("T_0", null, Range.PositiveInteger),
                h.Int("T_mult", 1, Range.PositiveInteger), h.Double("eta_min", 0, Range.NonNegative)),
            "cyclic" => Cyclic(h, lr),
            "one-cycle" => OneCycle(h, lr, total),
            "warmup-linear" => Warmup(h, context),
            _ => throw new HyperparameterException($"unknown schedule '{spec.Name}'; known: {string.Join(", ", Names)}"),
        };
        h.EnsureAllUsed();
        return schedule;
    }

    private static Cyclic Cyclic(Hyperparameters h, double? lr)
    {
        var max = h.Double("max_lr", lr, Range.Positive);
        var factor = h.Double("base_lr_factor", 0.1, new Range(0, true, 1, true));
        var baseLr = h.Double("base_lr", factor * max, Range.NonNegative);
        if (h.IsGiven("base_lr") && h.IsGiven("base_lr_factor"))
            throw new HyperparameterException("schedule 'cyclic': give base_lr or base_lr_factor, not both");
        var mode = h.Choice("mode", "triangular", "triangular", "triangular2", "exp_range") switch
        {
            "triangular2" => CyclicMode.Triangular2,
            "exp_range" => CyclicMode.ExpRange,
            _ => CyclicMode.Triangular,
        };
        return new Cyclic(baseLr, max, h.Int("step_size_up", null, Range.PositiveInteger), mode,
            h.Double("gamma", 1.0, Range.Positive));
    }

    private static OneCycle OneCycle(Hyperparameters h, double? lr, int? total)
    {
        var schedule = new OneCycle(
            h.Double("max_lr", lr, Range.Positive),
            h.Int("total_steps", total, new Range(2, true, double.PositiveInfinity, false)),
            h.Double("pct_start", 0.3, new Range(0, false, 1, false)),
            h.Choice("anneal", "cos", "cos", "linear") == "cos",
            h.Double("div_factor", 25, Range.Positive),
            h.Double("final_div_factor", 1e4, Range.Positive),
            h.Bool("three_phase", false),
            h.Bool("cycle_momentum", false),
            h.Double("base_momentum", 0.85, Range.DecayRate),
            h.Double("max_momentum", 0.95, Range.DecayRate));
        if (schedule.CycleMomentum && schedule.BaseMomentum > schedule.MaxMomentum)
            throw new HyperparameterException("schedule 'one-cycle': base_momentum must not exceed max_momentum");
        var firstPhaseEnd = schedule.PctStart * schedule.TotalSteps - 1;
        if (firstPhaseEnd <= 0 || (schedule.ThreePhase && 2 * firstPhaseEnd >= schedule.TotalSteps - 1))
            throw new HyperparameterException(
                $"schedule 'one-cycle': pct_start = {schedule.PctStart} leaves an empty phase with total_steps = {schedule.TotalSteps}");
        return schedule;
    }

    private static WarmupLinear Warmup(Hyperparameters h, ScheduleContext context)
    {
        var steps = h.Int("warmup_steps", null, Range.PositiveInteger);
        var startFactor = h.Double("start_factor", 0, new Range(0, true, 1, true));
        var then = h.IsGiven("then") ? h.Component("then") : new ComponentSpec("constant");
        if (then.Name == "warmup-linear")
            throw new HyperparameterException("schedule 'warmup-linear': then = warmup-linear is not allowed");
        var rest = context with { TotalSteps = context.TotalSteps is { } t ? Math.Max(1, t - steps) : null };
        return new WarmupLinear(steps, startFactor, Create(then, rest));
    }
}
