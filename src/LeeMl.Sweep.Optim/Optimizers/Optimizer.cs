namespace LeeMl.Sweep.Optim.Optimizers;

/// <summary>Which hyperparameter a cycled momentum (one-cycle's cycle_momentum) replaces.</summary>
public enum MomentumTarget
{
    /// <summary>The optimizer has no momentum; cycling it is an error.</summary>
    None,
    /// <summary>SGD-style heavy-ball momentum (sgdm, nag, sgdw).</summary>
    Momentum,
    /// <summary>Adam-style first-moment decay.</summary>
    Beta1,
}

/// <summary>
/// One update rule with its state, for a parameter vector of fixed length. The learning rate
/// is passed into every step (a schedule is a pure function of the step, never mutable state
/// here); so is a cycled momentum. Each rule is one fused pass over its arrays and allocates
/// nothing per step.
/// </summary>
/// <remarks>
/// Optax composes optimizers from small transforms; here each rule is one fused kernel instead,
/// because a chain of transforms streams the arrays once per transform, and Adam on 10^6
/// parameters must stay within 1.5x of a single pass.
/// </remarks>
public abstract class Optimizer
{
    protected Optimizer(string name, int dimension, double learningRate)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "an optimizer needs at least one parameter");
        Name = name;
        Dimension = dimension;
        LearningRate = learningRate;
    }

    public string Name { get; }

    public int Dimension { get; }

    /// <summary>The configured learning rate, used when no schedule supplies one.</summary>
    public double LearningRate { get; }

    /// <summary>Steps taken so far; the bias-correction counter of the next step is StepCount + 1.</summary>
    public long StepCount { get; private set; }

    public virtual MomentumTarget MomentumTarget => MomentumTarget.None;

    /// <summary>One step with the configured learning rate.</summary>
    public void Step(Span<double> parameters, ReadOnlySpan<double> gradient) =>
        Step(parameters, gradient, LearningRate, double.NaN);

    /// <summary>
    /// One step. <paramref name="momentum"/> is NaN unless a schedule cycles it; it then replaces
    /// the rule's momentum or beta1 for this step.
    /// </summary>
    public void Step(Span<double> parameters, ReadOnlySpan<double> gradient, double learningRate, double momentum)
    {
        if (parameters.Length != Dimension || gradient.Length != Dimension)
            throw new ArgumentException($"{Name}: expected {Dimension} parameters and gradients, got {parameters.Length} and {gradient.Length}");
        StepCount++;
        Apply(parameters, gradient, learningRate, momentum, StepCount);
    }

    /// <summary>The update itself. <paramref name="t"/> is the 1-based step counter.</summary>
    protected abstract void Apply(Span<double> x, ReadOnlySpan<double> g, double lr, double momentum, long t);

    /// <summary>Picks the cycled value when there is one.</summary>
    protected static double Or(double cycled, double configured) => double.IsNaN(cycled) ? configured : cycled;

    public override string ToString() => Name;
}
