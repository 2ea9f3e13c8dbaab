namespace LeeMl.Sweep.Optim.Schedules;

public enum CyclicMode { Triangular, Triangular2, ExpRange }

/// <summary>
/// Cyclical learning rates (Smith 2017; torch CyclicLR with step_size_down = step_size_up and no
/// momentum cycling): a triangle between base_lr and max_lr, its height halved every cycle
/// (triangular2) or scaled by γᵗ (exp_range).
/// </summary>
public sealed record Cyclic(double BaseLr, double MaxLr, int StepSizeUp, CyclicMode Mode, double Gamma) : ISchedule
{
    public double LearningRate(long step)
    {
        double total = 2.0 * StepSizeUp;
        var cycle = Math.Floor(1 + step / total);
        var x = 1.0 + step / total - cycle;
        var scale = x <= 0.5 ? x / 0.5 : (x - 1) / (0.5 - 1);
        var height = Mode switch
        {
            CyclicMode.Triangular => 1.0,
            CyclicMode.Triangular2 => 1 / Math.Pow(2, cycle - 1),
            _ => Math.Pow(Gamma, step),
        };
        return BaseLr + (MaxLr - BaseLr) * scale * height;
    }
}
