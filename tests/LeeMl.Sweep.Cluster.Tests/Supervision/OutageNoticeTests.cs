using LeeMl.Sweep.Cluster.Supervision;

namespace LeeMl.Sweep.Cluster.Tests.Supervision;

/// <summary>An outage is told twice — when it starts and when it ends — however many tries fail in between.</summary>
public sealed class OutageNoticeTests
{
    [Fact]
    public void The_first_failure_and_the_first_success_after_it_are_told_and_nothing_in_between()
    {
        var notice = new OutageNotice();
        Assert.Null(notice.Worked());   // nothing to tell while all is well
        Assert.True(notice.Failed());
        Assert.False(notice.Failed());
        Assert.False(notice.Failed());
        Assert.True(notice.Failing);
        Assert.Equal(3, notice.Worked());
        Assert.False(notice.Failing);
        Assert.Null(notice.Worked());
        Assert.True(notice.Failed());   // a second outage is told again
    }
}
