using System.Globalization;
using System.Text.Json;
using LeeMl.Sweep.Optim.Optimizers;
using LeeMl.Sweep.Optim.Schedules;

namespace LeeMl.Sweep.Optim.Tests.Golden;

/// <summary>
/// Every golden case, one test each: every loss, parameter, learning rate and momentum must agree
/// with PyTorch to |got − want| ≤ 1e-9·max(1, |want|). An unknown optimizer, schedule or problem
/// fails the case; nothing is skipped.
/// </summary>
[Trait("Category", "Golden")]
public sealed class GoldenTests
{
    private const double Tolerance = 1e-9;

    public static IEnumerable<object[]> Cases() => GoldenFiles.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string file, string id)
    {
        var (root, c) = GoldenFiles.Load(file, id);
        if (c.TryGetProperty("optimizer", out _))
            RunOptimizerCase(root, c);
        else if (c.TryGetProperty("schedule", out _))
            RunScheduleCase(c);
        else
            Assert.Fail($"case {id} names neither an optimizer nor a schedule");
    }

    private static void RunScheduleCase(JsonElement c)
    {
        var schedule = ScheduleCatalog.Create(
            GoldenFiles.Spec(c.GetProperty("schedule").GetString()!, c.GetProperty("params")), default);
        CheckSchedule(schedule, c);
    }

    private static void CheckSchedule(ISchedule schedule, JsonElement c)
    {
        var lr = GoldenFiles.Doubles(c.GetProperty("lr"));
        Assert.Equal(c.GetProperty("steps").GetInt32(), lr.Length);
        for (var t = 0; t < lr.Length; t++)
            Near(lr[t], schedule.LearningRate(t), $"lr[{t}]");
        if (c.TryGetProperty("momentum", out var m))
        {
            var momentum = GoldenFiles.Doubles(m);
            Assert.True(schedule.CyclesMomentum, "the case cycles momentum but the schedule does not");
            for (var t = 0; t < momentum.Length; t++)
                Near(momentum[t], schedule.Momentum(t), $"momentum[{t}]");
        }
    }

    /// <summary>Replays an optimizer case; <paramref name="noise"/> lets the noise tests attach switched-off noise.</summary>
    internal static void RunOptimizerCase(JsonElement root, JsonElement c, LeeMl.Sweep.Optim.Noise.GradientNoise? noise = null)
    {
        var problem = GoldenFiles.Problem(root, c.GetProperty("problem").GetString()!);
        var optimizerSpec = GoldenFiles.Spec(c.GetProperty("optimizer").GetString()!, c.GetProperty("params"));
        var steps = c.GetProperty("steps").GetInt32();
        var hasSchedule = c.TryGetProperty("schedule", out var s);
        var updater = Updater.Create(optimizerSpec, problem.Dimension,
            hasSchedule ? GoldenFiles.Spec(s.GetProperty("schedule").GetString()!, s.GetProperty("params")) : null,
            totalSteps: steps, noise: noise);
        if (hasSchedule) CheckSchedule(updater.Schedule!, c);

        var x = GoldenFiles.Doubles(c.GetProperty("start"));
        Assert.Equal(problem.Dimension, x.Length);
        var g = new double[x.Length];
        var rows = c.GetProperty("trajectory").EnumerateArray().ToArray();
        Assert.Equal(steps, rows.Length);
        for (var i = 0; i < steps; i++)
        {
            var row = GoldenFiles.Doubles(rows[i]);
            Assert.Equal(i, (int)row[0]);
            Near(row[1], problem.Loss(x), $"loss before step {i}");
            problem.Gradient(x, g);
            updater.Apply(x, g);
            for (var j = 0; j < x.Length; j++)
                Near(row[2 + j], x[j], $"x[{j}] after step {i}");
        }

        var final = c.GetProperty("final");
        var wantX = GoldenFiles.Doubles(final.GetProperty("x"));
        for (var j = 0; j < x.Length; j++) Near(wantX[j], x[j], $"final x[{j}]");
        Near(final.GetProperty("loss").GetDouble(), problem.Loss(x), "final loss");
        if (final.TryGetProperty("slow", out var slow))
        {
            var lookahead = Assert.IsType<Lookahead>(updater.Optimizer);
            var wantSlow = GoldenFiles.Doubles(slow);
            for (var j = 0; j < wantSlow.Length; j++) Near(wantSlow[j], lookahead.SlowWeights[j], $"final slow[{j}]");
        }
        if (c.TryGetProperty("switch_step", out var switchStep))   // SWATS: the step after which it ran SGD, or null
        {
            var swats = Assert.IsType<Swats>(updater.Optimizer);
            Assert.Equal(switchStep.ValueKind == JsonValueKind.Null ? null : switchStep.GetInt64(), swats.SwitchedAt);
        }
    }

    private static void Near(double want, double got, string what)
    {
        if (!(Math.Abs(got - want) <= Tolerance * Math.Max(1, Math.Abs(want))))
            Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"{what}: got {got:R}, want {want:R} (diff {got - want:E3})"));
    }
}
