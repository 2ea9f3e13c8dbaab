using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Reporting;

namespace LeeMl.Sweep.Server.Reports;

/// <summary>The reports of a job folder, drawn by <see cref="ReportFolder"/>: what a node hands its report scheduler.</summary>
public sealed class FolderRenderer : Cluster.Reports.IReportRenderer
{
    public static readonly FolderRenderer Instance = new();

    public void Render(string folder, JobProgress progress) => ReportFolder.Render(folder, progress);
}
