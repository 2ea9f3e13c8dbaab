using LeeMl.Sweep.Experiments.Programs;
using Xunit;

namespace LeeMl.Sweep.Experiments.Tests.Programs;

public class MetricLineTests
{
    private static List<IReadOnlyDictionary<string, double>> Steps(string objective, params string[] lines)
    {
        var steps = new List<IReadOnlyDictionary<string, double>>();
        var assembler = new StepAssembler(objective);
        foreach (var line in lines) assembler.Feed(line, steps);
        assembler.Flush(steps);
        return steps;
    }

    [Fact]
    public void Own_json_lines_and_syne_tune_lines_are_one_step_each_with_nan_and_infinity()
    {
        var steps = Steps("acc",
            "@leeml {\"acc\": 0.5, \"loss\": NaN, \"note\": \"text is ignored\", \"ok\": true}",
            "[tune-metric]: {\"acc\": 0.75, \"loss\": Infinity, \"epoch\": 2}",
            "@leeml {\"acc\": -Infinity}");
        Assert.Equal(3, steps.Count);
        Assert.Equal(0.5, steps[0]["acc"]);
        Assert.True(double.IsNaN(steps[0]["loss"]));
        Assert.False(steps[0].ContainsKey("note"));
        Assert.Equal(double.PositiveInfinity, steps[1]["loss"]);
        Assert.Equal(2, steps[1]["epoch"]);
        Assert.Equal(double.NegativeInfinity, steps[2]["acc"]);
    }

    [Fact]
    public void Katib_pairs_gather_until_the_objective_or_a_name_comes_again()
    {
        var steps = Steps("accuracy",
            "loss=0.9", "accuracy=0.6",            // one step: closed by the objective
            "loss=0.5 lr=0.1", "loss=0.4",         // a name again: a new step
            "loss=nan, accuracy=inf");             // a name again, then the objective; Python's spellings
        Assert.Equal(4, steps.Count);
        Assert.Equal(new Dictionary<string, double> { ["accuracy"] = 0.6, ["loss"] = 0.9 }, steps[0]);
        Assert.Equal(new Dictionary<string, double> { ["loss"] = 0.5, ["lr"] = 0.1 }, steps[1]);
        Assert.Equal(new Dictionary<string, double> { ["loss"] = 0.4 }, steps[2]);
        Assert.True(double.IsNaN(steps[3]["loss"]));
        Assert.Equal(double.PositiveInfinity, steps[3]["accuracy"]);
    }

    [Theory]
    [InlineData("Epoch 1 done")]
    [InlineData("using lr=0.1 for the run")]               // words beside the pairs: a log line
    [InlineData("@leeml not json")]
    [InlineData("@leeml {\"a\": {\"nested\": 1}}")]
    [InlineData("[tune-metric]: {}")]
    [InlineData("x=abc")]
    [InlineData("")]
    public void Other_lines_are_the_log(string line)
    {
        Assert.Null(MetricLine.Parse(line));
        Assert.Empty(Steps("acc", line));
    }
}
