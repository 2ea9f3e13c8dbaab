using LeeMl.Sweep.Experiments.Programs;
using Xunit;

namespace LeeMl.Sweep.Experiments.Tests.Programs;

public class TrialLogTests
{
    [Fact]
    public void Pieces_join_once_gaps_are_marked_and_the_oldest_lines_leave_beyond_the_bound()
    {
        var log = TrialLog.Merge(null, 1, 0, "a\n");
        log = TrialLog.Merge(log, 1, 2, "b\n");
        Assert.Same(log, TrialLog.Merge(log, 1, 0, "a\n"));                       // seen before
        Assert.Equal("a\nb\nc\n", TrialLog.Merge(log, 1, 2, "b\nc\n").Text);        // overlapping: only what is new
        var gap = TrialLog.Merge(log, 1, 10, "z\n");
        Assert.Equal("a\nb\n… (6 characters of output not received)\nz\n", gap.Text);
        Assert.Equal(12, gap.Total);
        var big = TrialLog.Merge(null, 1, 0, new string('x', TrialLog.MaxChars) + "\n");
        big = TrialLog.Merge(big, 1, big.Total, "last\n");
        Assert.Equal("last\n", big.Text);                                            // whole lines leave, never half of one
        Assert.Equal(TrialLog.MaxChars + 6L, big.Total);
    }

    [Fact]
    public void The_tail_hands_out_whole_lines_after_an_offset_and_says_where_a_gap_begins()
    {
        var tail = new LogTail(capacity: 10);
        tail.Add("one");   // 0..4
        tail.Add("two");   // 4..8
        Assert.Equal((4L, "two\n"), tail.Since(4, 100));
        Assert.Equal((0L, "one\n"), tail.Since(0, 5));   // at most about 5 characters, but at least a line
        tail.Add("three"); // 8..14: "one" leaves
        Assert.Equal((4L, "two\nthree\n"), tail.Since(0, 100));
        Assert.Equal((14L, ""), tail.Since(14, 100));
        Assert.Equal("two\nthree", tail.Last(2));
    }
}
