using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Reports;

/// <summary>
/// Writes a job's folder from the store: its files (results.jsonl, telemetry.jsonl, spec.yaml) and
/// its reports, drawn as the results pass. The node only schedules it; the program that hosts the
/// node provides the drawing, so the actor assembly carries no plotting library.
/// </summary>
public interface IReportRenderer
{
    Task Write(IResultStore store, StoredJob job, SweepSpec spec, string folder, JobProgress progress);
}
