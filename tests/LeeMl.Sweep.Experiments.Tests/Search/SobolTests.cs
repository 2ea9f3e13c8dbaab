using System.Globalization;
using LeeMl.Sweep.Experiments.Search;

namespace LeeMl.Sweep.Experiments.Tests.Search;

public sealed class SobolTests
{
    [Fact]
    public void The_first_256_points_in_21_dimensions_match_the_reference_sequence_exactly()
    {
        var rows = File.ReadAllLines(Path.Combine(LeeMl.Sweep.Tests.RepoPaths.Root, "tests", "Fixtures", "sobol", "joe-kuo-21x256.csv"));
        Assert.Equal(256, rows.Length);
        for (var n = 0; n < rows.Length; n++)
        {
            var want = rows[n].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(Sobol.MaxDimensions, want.Length);
            for (var d = 0; d < want.Length; d++)
                Assert.True(want[d] == Sobol.Point(n, d), $"point {n}, dimension {d}: {Sobol.Point(n, d)} against {want[d]}");
        }
    }

    [Fact]
    public void A_shift_keeps_every_point_in_the_unit_interval_and_more_dimensions_are_refused()
    {
        for (var n = 0; n < 1000; n++) Assert.InRange(Sobol.Point(n, 3, 0xDEADBEEF), 0, 0.9999999999);
        Assert.Throws<ArgumentOutOfRangeException>(() => Sobol.Point(1, Sobol.MaxDimensions));
    }
}
