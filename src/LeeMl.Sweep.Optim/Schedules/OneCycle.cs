namespace LeeMl.Sweep.Optim.Schedules;

/// <summary>
/// One-cycle (Smith &amp; Topin 2018; torch OneCycleLR). The rate rises from max_lr/div_factor to
/// max_lr over pct_start of the run, then anneals to max_lr/div_factor/final_div_factor; with
/// three_phase it first comes back down to the start value. Phase ends are real numbers
/// (pct_start·T − 1), never rounded. With cycle_momentum the momentum moves against the rate.
/// Steps past the end keep the last value.
/// </summary>
public sealed record OneCycle(
    double MaxLr, long TotalSteps, double PctStart, bool CosineAnneal, double DivFactor,
    double FinalDivFactor, bool ThreePhase, bool CycleMomentum, double BaseMomentum, double MaxMomentum) : ISchedule
{
    public bool CyclesMomentum => CycleMomentum;

    public double LearningRate(long step) => Evaluate(step, momentum: false);

    public double Momentum(long step) => CycleMomentum ? Evaluate(step, momentum: true) : double.NaN;

    private double Evaluate(long step, bool momentum)
    {
        var t = (double)Math.Min(step, TotalSteps - 1);
        var initial = MaxLr / DivFactor;
        var min = initial / FinalDivFactor;
        var e1 = PctStart * TotalSteps - 1;
        Span<(double End, double Lr0, double Lr1, double M0, double M1)> phases = stackalloc (double, double, double, double, double)[3];
        int count;
        if (ThreePhase)
        {
            phases[0] = (e1, initial, MaxLr, MaxMomentum, BaseMomentum);
            phases[1] = (2 * PctStart * TotalSteps - 2, MaxLr, initial, BaseMomentum, MaxMomentum);
            phases[2] = (TotalSteps - 1, initial, min, MaxMomentum, MaxMomentum);
            count = 3;
        }
        else
        {
            phases[0] = (e1, initial, MaxLr, MaxMomentum, BaseMomentum);
            phases[1] = (TotalSteps - 1, MaxLr, min, BaseMomentum, MaxMomentum);
            count = 2;
        }
        double start = 0;
        for (var i = 0; i < count; i++)
        {
            var p = phases[i];
            if (t <= p.End || i == count - 1)
            {
                var pct = (t - start) / (p.End - start);
                return momentum ? Anneal(p.M0, p.M1, pct) : Anneal(p.Lr0, p.Lr1, pct);
            }
            start = p.End;
        }
        throw new InvalidOperationException("unreachable");
    }

    private double Anneal(double from, double to, double pct) =>
        CosineAnneal ? to + (from - to) / 2 * (Math.Cos(Math.PI * pct) + 1) : (to - from) * pct + from;
}
