using LeeMl.Sweep.Cluster.Dispatch;

namespace LeeMl.Sweep.Cluster.Tests.Dispatch;

public sealed class DispatchBoardTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Jobs_with_work_take_turns_and_a_worker_that_found_none_is_told_when_work_comes()
    {
        var board = new DispatchBoard(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
        board.Heartbeat("w1", 2, 0, 0, T0);
        Assert.Null(board.Request("w1", T0));   // nothing yet: w1 waits
        Assert.True(board.JobPending("a", 10, T0));   // a job with work appears
        Assert.Equal(["w1"], board.TakeWaiting());
        Assert.Empty(board.TakeWaiting());
        Assert.False(board.JobPending("a", 9, T0));   // no news
        board.JobPending("b", 3, T0);
        Assert.Equal(["a", "b", "a", "b"], Enumerable.Range(0, 4).Select(_ => board.Request("w1", T0)));
        board.JobPending("a", 0, T0);
        Assert.Equal(["b", "b"], Enumerable.Range(0, 2).Select(_ => board.Request("w1", T0)));
    }

    [Fact]
    public void Silent_workers_and_jobs_are_forgotten_and_come_back_with_their_next_report()
    {
        var board = new DispatchBoard(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
        board.Heartbeat("w1", 2, 1, 1, T0);
        board.JobPending("a", 5, T0);
        Assert.Equal((2, 1, 1), board.View("w1", ["worker"]) is { } v ? (v.Slots, v.Running, v.Queued) : default);
        board.Expire(T0.AddSeconds(6));
        Assert.Empty(board.Jobs);
        Assert.NotNull(board.View("w1", ["worker"]));
        board.Expire(T0.AddSeconds(11));
        Assert.Null(board.View("w1", ["worker"]));
        Assert.True(board.JobPending("a", 5, T0.AddSeconds(11)));   // its entity runs again (elsewhere) and says so
    }
}
