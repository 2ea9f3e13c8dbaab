using System.Text;
using LeeMl.Sweep.Learning.Data;

namespace LeeMl.Sweep.Learning.Tests.Data;

/// <summary>Lines end as a text reader's do, and one line is never longer than the limit, whatever the file.</summary>
public sealed class CsvFileTests
{
    private static DataFile Text(string text) => DataFile.FromBytes("t.csv", Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Lines_end_at_lf_cr_or_crlf_and_the_last_needs_no_line_break()
    {
        var rows = CsvFile.Read(Text("a,label\r\n1,x\r2,y\n\n3,\"z,\"\"q\"\"\"\r\n4,w"));
        Assert.Equal([["a", "label"], ["1", "x"], ["2", "y"], ["3", "z,\"q\""], ["4", "w"]], rows.Select(r => r.Fields));
        Assert.Equal([1, 2, 3, 5, 6], rows.Select(r => r.Line));
    }

    [Fact]
    public void A_line_over_the_limit_is_refused_with_its_number_and_a_line_at_the_limit_is_read()
    {
        var at = "a,label\n" + new string('7', DataLimits.MaxLineChars - 2) + ",1\n";
        Assert.Equal(DataLimits.MaxLineChars, CsvFile.Read(Text(at))[1].Fields.Sum(f => f.Length) + 1);
        var e = Assert.Throws<DataException>(() => CsvFile.Read(Text("a,label\n1,0\n" + new string('7', DataLimits.MaxLineChars) + ",1\n")));
        Assert.Contains("line 3 is longer than 1,048,576 characters", e.Message);
        Assert.True(e.OverLimit);
    }
}
