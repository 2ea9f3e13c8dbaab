namespace LeeMl.Sweep.Optim.Schedules;

/// <summary>
/// A learning-rate schedule: a pure function of the 0-based step. <c>LearningRate(t)</c> is the
/// value used AT step t (torch: scheduler.step() once after every optimizer.step()).
/// </summary>
public interface ISchedule
{
    double LearningRate(long step);

    /// <summary>The cycled momentum (or beta1) at step t, or NaN when the schedule does not cycle it.</summary>
    double Momentum(long step) => double.NaN;

    bool CyclesMomentum => false;
}
