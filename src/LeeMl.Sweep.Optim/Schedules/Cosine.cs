namespace LeeMl.Sweep.Optim.Schedules;

/// <summary>
/// torch CosineAnnealingLR(T_max = total_steps) in closed form. Past total_steps the cosine
/// goes on, so the rate rises again, as in torch.
/// </summary>
public sealed record Cosine(double Lr, long TotalSteps, double EtaMin) : ISchedule
{
    public double LearningRate(long step) =>
        EtaMin + (Lr - EtaMin) * (1 + Math.Cos(Math.PI * step / TotalSteps)) / 2;
}
