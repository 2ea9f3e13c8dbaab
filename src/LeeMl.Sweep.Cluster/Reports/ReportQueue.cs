namespace LeeMl.Sweep.Cluster.Reports;

/// <summary>
/// Which report a node draws next, as a pure state machine: final reports first, one half-way
/// report per job (the newest request replaces an older one), and half-way reports of all jobs
/// together within <see cref="Share"/> of a core (after a half-way report that took T, the next
/// waits T·(1 − Share)/Share). A job's final report is never followed by a half-way one: a request
/// still waiting is dropped when the final one comes, and later ones are answered at once.
/// </summary>
/// <typeparam name="TAsker">Who waits for the answer (an actor reference in the node).</typeparam>
public sealed class ReportQueue<TAsker>
{
    public const double Share = 0.1;

    /// <summary>How many finished jobs are remembered, so that a late half-way request cannot overwrite their final report.</summary>
    public const int FinalJobsKept = 4096;

    private readonly Queue<(RenderReport Request, TAsker Asker)> _final = new();
    private readonly Dictionary<string, (RenderReport Request, TAsker Asker)> _halfWay = new(StringComparer.Ordinal);
    private readonly Queue<string> _halfWayOrder = new();
    private readonly HashSet<string> _finalJobs = new(StringComparer.Ordinal);
    private readonly Queue<string> _finalOrder = new();
    private DateTimeOffset _notBefore = DateTimeOffset.MinValue;

    /// <summary>A report is being drawn: nothing else starts until <see cref="Drawn"/>.</summary>
    public bool Busy { get; private set; }

    /// <summary>Takes a request; returns the askers to answer at once (a request that has nothing left to draw).</summary>
    public IReadOnlyList<(RenderReport Request, TAsker Asker)> Add(RenderReport request, TAsker asker)
    {
        if (request.Final)
        {
            _final.Enqueue((request, asker));
            RememberFinal(request.JobId);
            // A half-way report still waiting would be drawn after the final one and overwrite it.
            return _halfWay.Remove(request.JobId, out var superseded) ? [superseded] : [];
        }
        if (_finalJobs.Contains(request.JobId)) return [(request, asker)];
        if (!_halfWay.ContainsKey(request.JobId)) _halfWayOrder.Enqueue(request.JobId);
        _halfWay[request.JobId] = (request, asker);
        return [];
    }

    /// <summary>The next report to draw now; else null, with how long until a waiting half-way report may be drawn (null: none waits).</summary>
    public (RenderReport Request, TAsker Asker)? Next(DateTimeOffset now, out TimeSpan? wait)
    {
        wait = null;
        if (Busy) return null;
        if (_final.Count > 0) return Start(_final.Dequeue());
        while (_halfWayOrder.Count > 0)
        {
            if (_notBefore > now)
            {
                wait = _notBefore - now;
                return null;
            }
            var job = _halfWayOrder.Dequeue();
            if (_halfWay.Remove(job, out var next)) return Start(next);   // else superseded by the job's final report
        }
        return null;
    }

    /// <summary>The report started last is on disk (or failed); it took <paramref name="cost"/>.</summary>
    public void Drawn(RenderReport request, TimeSpan cost, DateTimeOffset now)
    {
        Busy = false;
        if (!request.Final) _notBefore = now + cost * ((1 - Share) / Share);
    }

    private (RenderReport, TAsker) Start((RenderReport, TAsker) next)
    {
        Busy = true;
        return next;
    }

    private void RememberFinal(string jobId)
    {
        if (!_finalJobs.Add(jobId)) return;
        _finalOrder.Enqueue(jobId);
        if (_finalOrder.Count > FinalJobsKept) _finalJobs.Remove(_finalOrder.Dequeue());
    }
}
