using LeeMl.Sweep.Cluster.Reports;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Cluster.Tests.Reports;

public sealed class ReportQueueTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static RenderReport HalfWay(string job, int done) => new(job, false, new JobProgress(96, done, 1, JobState.Running));

    private static RenderReport Final(string job) => new(job, true, new JobProgress(96, 96, 0, JobState.Done));

    [Fact]
    public void A_half_way_report_waiting_when_the_final_one_comes_is_dropped_and_never_drawn_after_it()
    {
        var q = new ReportQueue<string>();
        Assert.Empty(q.Add(HalfWay("a", 10), "entity"));
        Assert.Equal(HalfWay("a", 10), q.Next(T0, out _)!.Value.Request);
        q.Drawn(HalfWay("a", 10), TimeSpan.FromSeconds(1), T0);
        Assert.Empty(q.Add(HalfWay("a", 95), "viewer"));
        Assert.Null(q.Next(T0, out var wait));   // the budget holds the half-way report back
        Assert.Equal(TimeSpan.FromSeconds(9), wait);
        var answered = q.Add(Final("a"), "entity");
        Assert.Equal([(HalfWay("a", 95), "viewer")], answered);   // its asker is answered: the final report supersedes it
        Assert.Equal(Final("a"), q.Next(T0, out _)!.Value.Request);
        q.Drawn(Final("a"), TimeSpan.FromSeconds(1), T0);
        Assert.Null(q.Next(T0 + TimeSpan.FromHours(1), out wait));
        Assert.Null(wait);
        // A half-way request that comes after the final report is answered at once and drawn never.
        Assert.Single(q.Add(HalfWay("a", 95), "viewer"));
        Assert.Null(q.Next(T0 + TimeSpan.FromHours(1), out _));
    }

    [Fact]
    public void Final_reports_go_first_half_way_ones_merge_per_job_and_one_report_is_drawn_at_a_time()
    {
        var q = new ReportQueue<string>();
        q.Add(HalfWay("a", 1), "x");
        q.Add(HalfWay("b", 1), "x");
        q.Add(HalfWay("a", 2), "y");   // replaces a's older request
        q.Add(Final("c"), "z");
        Assert.Equal(Final("c"), q.Next(T0, out _)!.Value.Request);
        Assert.True(q.Busy);
        Assert.Null(q.Next(T0, out _));
        q.Drawn(Final("c"), TimeSpan.FromSeconds(5), T0);   // a final report does not spend the half-way budget
        Assert.Equal((HalfWay("a", 2), "y"), q.Next(T0, out _));
        q.Drawn(HalfWay("a", 2), TimeSpan.FromMilliseconds(100), T0);
        Assert.Null(q.Next(T0 + TimeSpan.FromMilliseconds(899), out _));
        Assert.Equal(HalfWay("b", 1), q.Next(T0 + TimeSpan.FromMilliseconds(900), out _)!.Value.Request);
    }
}
