namespace LeeMl.Sweep.Optim.Schedules;

public sealed record Constant(double Lr) : ISchedule
{
    public double LearningRate(long step) => Lr;
}
