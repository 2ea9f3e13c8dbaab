using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Reporting;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Server.Reports;

/// <summary>A job's folder from the store, its reports drawn by <see cref="ReportFolder"/> in the same pass that writes its results.</summary>
public sealed class FolderRenderer : Cluster.Reports.IReportRenderer
{
    public static readonly FolderRenderer Instance = new();

    public Task Write(IResultStore store, StoredJob job, SweepSpec spec, string folder, JobProgress progress) =>
        ReportFolder.RenderAsWritten(folder, spec, progress, each => JobFiles.WriteData(store, job, folder, each: each));
}
