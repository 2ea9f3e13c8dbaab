using LeeMl.Sweep.Server.Dashboard;

namespace LeeMl.Sweep.Server.Tests;

/// <summary>The dashboard's event streams share their reads: one per job per poll, however many viewers.</summary>
public sealed class SharedPollTests
{
    [Fact]
    public async Task Many_viewers_of_one_job_make_one_read_per_period_and_a_viewer_that_leaves_cancels_no_one_else()
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var reads = new Dictionary<string, int>();
        var gate = new TaskCompletionSource();
        var poll = new SharedPoll<string>(async key =>
        {
            lock (reads) reads[key] = reads.GetValueOrDefault(key) + 1;
            await gate.Task;
            return $"{key}@{now:ss}";
        }, TimeSpan.FromMilliseconds(250), () => now);

        using var leaving = new CancellationTokenSource();
        var first = poll.Get("a", leaving.Token);
        var viewers = Enumerable.Range(0, 50).Select(_ => poll.Get("a")).ToList();
        var other = poll.Get("b");
        leaving.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        gate.SetResult();
        Assert.All(await Task.WhenAll(viewers), v => Assert.Equal("a@00", v));
        Assert.Equal("b@00", await other);
        Assert.Equal(1, reads["a"]);

        now += TimeSpan.FromMilliseconds(100);
        Assert.Equal("a@00", await poll.Get("a"));   // still fresh
        Assert.Equal(1, reads["a"]);
        now += TimeSpan.FromMilliseconds(200);
        Assert.Equal("a@00", await poll.Get("a"));   // read again (the value's text keeps the clock's seconds)
        Assert.Equal(2, reads["a"]);
        Assert.Equal(1, reads["b"]);
    }
}
