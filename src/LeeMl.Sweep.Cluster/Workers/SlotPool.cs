using System.Collections.Concurrent;
using System.Diagnostics;
using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Cluster.Workers;

/// <summary>What a slot tells its owner; each names the run it is about.</summary>
public abstract record SlotEvent(SlotRun Run)
{
    public sealed record Started(SlotRun Run) : SlotEvent(Run);

    /// <summary>A point of the live curve: the first step at once, then at most one every <see cref="SlotPool.ProgressEvery"/>.</summary>
    public sealed record Progress(SlotRun Run, int Step, double Train, double Validation) : SlotEvent(Run);

    /// <summary>The trial reached a rung and waits there; the slot is free. <paramref name="Seconds"/>: this stretch.</summary>
    public sealed record Paused(SlotRun Run, double Score, double Seconds) : SlotEvent(Run);

    /// <summary>The run is over: a result, a fault of this node, or neither (it was cancelled). <paramref name="Seconds"/>: this stretch.</summary>
    public sealed record Done(SlotRun Run, TrialResult? Result, string? Fault, double Seconds) : SlotEvent(Run);
}

/// <summary>
/// The node's slots: one dedicated thread each (training must never starve Akka's dispatcher, whose
/// heartbeats the failure detector depends on), taking runs from two queues, trials told to go on
/// at a rung before new work. A slot drives a run's trial through <see cref="Experiments.Trials.ITrial"/>
/// whatever its kind and tells its owner what happened; it decides nothing and shares no state
/// with the owner but the run it is handed.
/// </summary>
public sealed class SlotPool : IDisposable
{
    public static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(500);

    private readonly BlockingCollection<SlotRun> _new = new();
    private readonly BlockingCollection<SlotRun> _resumed = new();
    private readonly BlockingCollection<SlotRun>[] _lanes;
    private readonly Action<SlotEvent> _tell;

    public SlotPool(int slots, Action<SlotEvent> tell)
    {
        _tell = tell;
        _lanes = [_resumed, _new];
        for (var i = 0; i < slots; i++) new Thread(RunSlot) { IsBackground = true, Name = $"trial-slot-{i}" }.Start();
    }

    public void Carry(WorkerEffect effect)
    {
        switch (effect)
        {
            case WorkerEffect.Run r:
                (r.Resumed ? _resumed : _new).Add(r.Trial);
                break;
            case WorkerEffect.Stop s:
                _resumed.Add(s.Trial);
                break;
            case WorkerEffect.Cancel c:
                c.Trial.Cancel.Cancel();
                if (c.Idle) _resumed.Add(c.Trial);   // a slot releases its trial; a running one ends at its next step
                break;
        }
    }

    /// <summary>No more runs: each slot ends after the one it has (the node stops).</summary>
    public void Dispose()
    {
        _new.CompleteAdding();
        _resumed.CompleteAdding();
    }

    private void RunSlot()
    {
        while (true)
        {
            SlotRun run;
            try
            {
                BlockingCollection<SlotRun>.TakeFromAny(_lanes, out run!);
            }
            catch (ArgumentException)
            {
                return;   // both queues closed
            }
            if (run.Cancel.IsCancellationRequested)
            {
                Release(run);
                continue;
            }
            if (run.StopAtRung is { } rung)
            {
                Finish(run, () => new SlotEvent.Done(run, run.Trial!.Result(stoppedAtRung: rung), null, 0), Stopwatch.StartNew());
                continue;
            }
            Train(run);
        }
    }

    private void Train(SlotRun run)
    {
        _tell(new SlotEvent.Started(run));
        var clock = Stopwatch.StartNew();
        var sinceSent = Stopwatch.StartNew();
        var first = true;
        void Progress(EpochResult e)
        {
            if (!first && sinceSent.Elapsed < ProgressEvery) return;
            first = false;
            _tell(new SlotEvent.Progress(run, e.Epoch, e.TrainAccuracy, e.ValidationAccuracy));
            sinceSent.Restart();
        }
        try
        {
            var trial = run.Trial ??= run.Plan.Kind.Start(run.Plan.Spec, run.Spec, run.Plan.Data, new Experiments.Programs.TrialHost(run.Plan.Programs, run.Gpus));
            run.Output ??= trial.Output;
            trial.RunUntil(run.Plan.NextStop(trial.Step), Progress, run.Cancel.Token);
            if (!trial.IsOver && run.Plan.IsRung(trial.Step))
            {
                // Early stopping decides here: the slot is free meanwhile, and the trial waits with its run.
                _tell(new SlotEvent.Paused(run, run.Plan.Spec.EarlyStopping!.Score(trial.LastStep!), clock.Elapsed.TotalSeconds));
                return;
            }
            Finish(run, () => new SlotEvent.Done(run, trial.Result(), null, clock.Elapsed.TotalSeconds), clock);
        }
        catch (OperationCanceledException) when (run.Cancel.IsCancellationRequested)
        {
            Release(run);
            _tell(new SlotEvent.Done(run, null, null, clock.Elapsed.TotalSeconds));
        }
        catch (Exception e)
        {
            // Not the trial's own outcome (that is a result): a fault of this node, retried elsewhere.
            Release(run);
            _tell(new SlotEvent.Done(run, null, $"{e.GetType().Name}: {e.GetBaseException().Message}", clock.Elapsed.TotalSeconds));
        }
    }

    /// <summary>Makes the run's last event (its result, or a fault of the node if making it fails), then releases its trial.</summary>
    private void Finish(SlotRun run, Func<SlotEvent.Done> done, Stopwatch clock)
    {
        SlotEvent.Done last;
        try
        {
            last = done();
        }
        catch (Exception e)
        {
            last = new SlotEvent.Done(run, null, $"{e.GetType().Name}: {e.GetBaseException().Message}", clock.Elapsed.TotalSeconds);
        }
        Release(run);
        _tell(last);
    }

    private static void Release(SlotRun run)
    {
        run.Trial?.Dispose();
        run.Trial = null;
    }
}
