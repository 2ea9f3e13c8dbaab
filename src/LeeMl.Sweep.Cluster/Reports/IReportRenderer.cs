using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Reports;

/// <summary>
/// Draws a job folder's reports from the files in it (results.jsonl, telemetry.jsonl, spec.yaml).
/// The node only schedules it; the program that hosts the node provides the drawing, so the actor
/// assembly carries no plotting library.
/// </summary>
public interface IReportRenderer
{
    void Render(string folder, JobProgress progress);
}
