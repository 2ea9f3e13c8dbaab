namespace LeeMl.Sweep.Optim.Schedules;

/// <summary>
/// Linear warm-up, then another schedule (torch SequentialLR of LinearLR and <c>Then</c>, milestone
/// W). For t &lt; W the rate is Then(0)·(start_factor + (1 − start_factor)·t/W) — the first step uses
/// start_factor, not 1/W — and from W on it is Then(t − W): the following schedule starts at its
/// own step 0.
/// </summary>
public sealed record WarmupLinear(long WarmupSteps, double StartFactor, ISchedule Then) : ISchedule
{
    public bool CyclesMomentum => Then.CyclesMomentum;

    public double LearningRate(long step) => step < WarmupSteps
        ? Then.LearningRate(0) * (StartFactor + (1 - StartFactor) * step / WarmupSteps)
        : Then.LearningRate(step - WarmupSteps);

    public double Momentum(long step) => Then.Momentum(Math.Max(0, step - WarmupSteps));
}
