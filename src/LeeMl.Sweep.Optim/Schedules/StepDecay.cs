namespace LeeMl.Sweep.Optim.Schedules;

/// <summary>torch StepLR: lr·γ^⌊t/step_size⌋.</summary>
public sealed record StepDecay(double Lr, int StepSize, double Gamma) : ISchedule
{
    public double LearningRate(long step) => Lr * Math.Pow(Gamma, step / StepSize);
}
