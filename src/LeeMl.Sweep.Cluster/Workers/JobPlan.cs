using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Trials;

namespace LeeMl.Sweep.Cluster.Workers;

/// <summary>
/// A job as a worker node holds it: its spec (parsed once on this node), its trials, where its data
/// come from, and the kind of trial that runs them. <see cref="Rungs"/>: the epochs where early
/// stopping decides (none without it).
/// </summary>
public sealed record JobPlan(SweepSpec Spec, TrialPlan Plan, DataLoader Data, ITrialKind Kind)
{
    /// <summary>What this node lets a program do (null: it runs none).</summary>
    public Experiments.Programs.ProgramHost? Programs { get; init; }

    public IReadOnlyList<int> Rungs { get; } = Spec.EarlyStopping?.Rungs(Spec.Epochs) ?? [];

    /// <summary>Where a trial that has done <paramref name="step"/> steps stops next: its next rung, or its end.</summary>
    public int NextStop(int step)
    {
        foreach (var rung in Rungs)
            if (rung > step) return rung;
        return Spec.Epochs;
    }

    /// <summary>A trial that stopped at <paramref name="step"/> waits there for the job's decision (a rung it has not ended at).</summary>
    public bool IsRung(int step) => Rungs.Contains(step);
}

/// <summary>
/// One assignment of a trial to this node, from the moment it is queued until its result is made.
/// The actor's ledger decides about it; the slot that runs it alone touches <see cref="Trial"/>,
/// which stays with the run while it waits at a rung and passes to whichever slot runs it on.
/// </summary>
public sealed class SlotRun(string jobId, Protocol.TrialTicket ticket, JobPlan plan)
{
    public string JobId { get; } = jobId;
    public Protocol.TrialTicket Ticket { get; } = ticket;
    public JobPlan Plan { get; } = plan;
    public CancellationTokenSource Cancel { get; } = new();

    /// <summary>Set by the ledger before a slot takes the run to make its result at this rung (early stopping ended it).</summary>
    public int? StopAtRung { get; set; }

    /// <summary>The GPUs the ledger gave the run, from its start until its result is made.</summary>
    public IReadOnlyList<int> Gpus { get; set; } = [];

    /// <summary>The trial's output (a program's), kept past the trial's end until the last of it is sent.</summary>
    public Experiments.Programs.LogTail? Output { get; set; }

    /// <summary>How much of <see cref="Output"/> has been sent to the job.</summary>
    public long OutputSent { get; set; }

    /// <summary>The trial, from its start on a slot until its result is made.</summary>
    public ITrial? Trial { get; set; }

    /// <summary>The trial, with the values its job proposed for it under TPE.</summary>
    public TrialSpec Spec => Plan.Plan.At(Ticket.Index, Ticket.Draws);
}
