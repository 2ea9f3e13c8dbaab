namespace LeeMl.Sweep.Optim.Schedules;

/// <summary>SGDR (torch CosineAnnealingWarmRestarts stepped once per step): cycles of T₀, T₀·T_mult, …</summary>
public sealed record CosineRestarts(double Lr, long T0, long TMult, double EtaMin) : ISchedule
{
    public double LearningRate(long step)
    {
        long cycleLength = T0, c = step;
        if (TMult == 1)
            c = step % T0;
        else
            while (c >= cycleLength) { c -= cycleLength; cycleLength *= TMult; }   // logarithmic in step
        return EtaMin + (Lr - EtaMin) * (1 + Math.Cos(Math.PI * c / cycleLength)) / 2;
    }
}
