using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cluster.Workers;

/// <summary>What the worker's ledger decides; the actor carries it out, in order.</summary>
public abstract record WorkerEffect
{
    /// <summary>To the job's entity, through the shard region (which finds it wherever it runs).</summary>
    public sealed record ToJob(IJobMessage Message) : WorkerEffect;

    public sealed record ToDispatcher(ISweepMessage Message) : WorkerEffect;

    /// <summary>Ask the dispatcher for work again after <paramref name="Delay"/>.</summary>
    public sealed record AskLater(TimeSpan Delay) : WorkerEffect;

    /// <summary>Give the run to a slot: a trial told to go on at a rung goes before new work.</summary>
    public sealed record Run(SlotRun Trial, bool Resumed) : WorkerEffect;

    /// <summary>Make the result of a trial early stopping ended at its rung (its test accuracy is measured on a slot).</summary>
    public sealed record Stop(SlotRun Trial) : WorkerEffect;

    /// <summary>Stop a run: cancelled or handed back. <paramref name="Idle"/>: no slot has it (it waits at a rung), so its trial is released.</summary>
    public sealed record Cancel(SlotRun Trial, bool Idle) : WorkerEffect;

    /// <summary>A line of the node's trial log (a trial assigned, started, done, failed; the node leaving).</summary>
    public sealed record Log(string Kind, string Text, string? Job = null, string? Trial = null) : WorkerEffect;

    public sealed record Warn(string Text) : WorkerEffect;

    /// <summary>Trials arrived <paramref name="Took"/> after this node asked for work (a measurement, nothing to do).</summary>
    public sealed record Dispatched(TimeSpan Took) : WorkerEffect;
}
