using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Reporting.Tests;

/// <summary>One pass over the results keeps exactly what the figures draw, whatever the order cells finish in.</summary>
public sealed class ResultPassTests
{
    private static TrialResult Trial(int cell, int seed, string schedule, double validation, int epochs = 5) =>
        new($"mlp(hidden={cell:000})|sgd(lr=0.1)|{schedule}|-|-|seed={seed}", $"mlp(hidden={cell:000})", "sgd(lr=0.1)", schedule, null, null, seed, TrialOutcome.Completed, null, null,
            validation + 0.05, validation, double.NaN, 0.4, 0.5, epochs, null,
            [.. Enumerable.Range(1, epochs).Select(e => new EpochResult(e, e * 7L, 0.01 * cell + e, 0.5, validation + 0.05, 0.6, validation, 0.1))]);

    [Fact]
    public void The_best_cells_mean_curves_and_each_schedule_s_recorded_learning_rate_come_from_one_pass_in_key_order()
    {
        var random = new Random(3);
        var trials = Enumerable.Range(0, 80)
            .SelectMany(c => new[] { 1, 2 }.Select(s => Trial(c, s, c % 2 == 0 ? "cosine" : "step(step_size=10)", Math.Round(random.NextDouble(), 3))))
            .OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        var csv = new StringWriter();
        var pass = new ResultPass(csv);
        foreach (var t in trials) pass.Add(t, null);
        var set = pass.Finish();

        Assert.Equal(160, set.Records.Count);
        Assert.Equal(160 * 5 + 1, csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        // The same cells the cell table ranks first: by mean validation over seeds, then by name.
        var report = ReportBuilder.Build("p", new JobProgress(160, 160, 0, JobState.Done), set);
        Assert.Equal(report.Cells.Take(ResultPass.CurveCells).Select(c => c.Cell).Order(StringComparer.Ordinal), set.MeanCurves.Keys.Order(StringComparer.Ordinal));
        var best = report.Cells[0];
        var seeds = trials.Where(t => t.Cell == best.Cell).ToList();
        Assert.Equal(100 * seeds.Average(t => t.ValidationAccuracy), set.MeanCurves[best.Cell].Validation[^1], 9);
        // One learning-rate line per schedule, the stored lr of the best cell that has it.
        Assert.Equal(2, set.Rates.Count);
        var cosine = set.Rates.Single(r => r.Schedule == "cosine");
        var bestCosine = report.Cells.First(c => c.Cell.Contains("|cosine|", StringComparison.Ordinal));
        var first = trials.First(t => t.Cell == bestCosine.Cell);
        Assert.Equal(first.Epochs.Select(e => e.LearningRate), cosine.Rates);
        Assert.Equal(first.Epochs.Select(e => e.Step), cosine.Steps);
    }

    [Fact]
    public void Results_out_of_key_order_are_refused_rather_than_summarised_wrongly()
    {
        var pass = new ResultPass(null);
        pass.Add(Trial(2, 1, "cosine", 0.5), null);
        Assert.Throws<InvalidDataException>(() => pass.Add(Trial(1, 1, "cosine", 0.5), null));
    }
}
