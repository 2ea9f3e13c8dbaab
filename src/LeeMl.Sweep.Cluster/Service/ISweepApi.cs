using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cluster.Service;

/// <summary>
/// What clients ask of a cluster: submit, follow, cancel and fetch jobs. In process (the embedded
/// <c>run</c>, and the HTTP endpoints of a coordinator node) it is <see cref="JobService"/>; from
/// another machine it is the HTTP client of the command line.
/// </summary>
public interface ISweepApi
{
    Task<SubmitReply> Submit(SubmitRequest request, CancellationToken cancel = default);

    /// <summary>Ships one of a spec's data files to the store ahead of the job (nothing to do when the store has it).</summary>
    Task ShipData(Experiments.Data.ShippedFile file, Func<Stream> open, CancellationToken cancel = default);

    /// <summary>One job, or null when the cluster does not know it.</summary>
    Task<JobView?> Job(string id, CancellationToken cancel = default);

    Task<ClusterStatus> Status(CancellationToken cancel = default);

    Task<CancelOutcome> Cancel(string id, CancellationToken cancel = default);

    /// <summary>
    /// Pauses, resumes, retries or extends a job (<paramref name="specText"/>: the larger spec, from
    /// <paramref name="specFile"/>); null when the cluster does not know it.
    /// </summary>
    Task<ChangeReply?> Change(string id, JobChange change, string? specText = null, string? specFile = null, string? note = null, CancellationToken cancel = default);

    /// <summary>Writes the job's results.jsonl, telemetry.jsonl and spec.yaml into <paramref name="dir"/>.</summary>
    Task WriteJobData(string id, string dir, CancellationToken cancel = default);
}
