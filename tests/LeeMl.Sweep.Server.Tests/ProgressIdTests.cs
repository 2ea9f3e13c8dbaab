using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Server.Dashboard;

namespace LeeMl.Sweep.Server.Tests;

/// <summary>An event's id names the job's progress: the clock alone never makes a new event, any change of progress does.</summary>
public sealed class ProgressIdTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static JobView View(long done = 10, JobState state = JobState.Running, double elapsed = 1, long running = 2) =>
        new("j-1", "j", state, 100, done, 0, running, "n0", 1, 0, 0, 0.8, elapsed, 5, T0, [], []);

    private static LiveTrial Trial(int epoch) => new("k", "n0", epoch, 50, [1, epoch], [0.5, 0.6], [0.4, 0.5]);

    [Fact]
    public void The_same_progress_has_the_same_id_whatever_the_clock_and_each_change_a_new_one()
    {
        var id = DashboardApi.ProgressId(View(), [Trial(3)]);
        Assert.Equal(id, DashboardApi.ProgressId(View(elapsed: 9), [Trial(3)]));
        Assert.StartsWith("10-", id);
        string[] changed =
        [
            DashboardApi.ProgressId(View(done: 11), [Trial(3)]),
            DashboardApi.ProgressId(View(state: JobState.Cancelled), [Trial(3)]),
            DashboardApi.ProgressId(View(running: 1), [Trial(3)]),
            DashboardApi.ProgressId(View(), [Trial(4)]),
            DashboardApi.ProgressId(View(), []),
        ];
        Assert.DoesNotContain(id, changed);
        Assert.Equal(changed.Length, changed.Distinct().Count());
    }
}
