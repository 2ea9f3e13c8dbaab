using LeeMl.Sweep.Experiments.Programs;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Trials;

namespace LeeMl.Sweep.Experiments.Tests;

/// <summary>A data file over a limit is the job's error: every trial fails with the reason, on any node, and the file is not read again for each.</summary>
public sealed class DataLimitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-limits-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_column_of_too_many_categories_fails_each_trial_instead_of_faulting_the_node()
    {
        File.WriteAllLines(Path.Combine(_dir, "wide.csv"), ["id,x,label", .. Enumerable.Range(0, 3000).Select(i => $"u{i},{i % 7},{i % 2}")]);
        var spec = SpecParser.Parse("name: wide\ndata: { csv: wide.csv, label: label }\nmodels: [lda, logistic]\ngrid: { optimizer: [{ name: sgd, lr: 0.1 }] }\n", "wide.yaml");
        var plan = new TrialPlan(spec);
        var loader = new DataLoader(null, _dir);
        foreach (var index in new long[] { 0, 1 })
        {
            using var trial = TrialKinds.Of(spec).Start(spec, plan.At(index), loader, TrialHost.None);
            Assert.True(trial.IsOver);
            var result = trial.Result();
            Assert.Equal(TrialOutcome.Failed, result.Outcome);
            Assert.Contains("column 'id' has more than 1,000 distinct values", result.Error);
        }
        File.Delete(Path.Combine(_dir, "wide.csv"));   // refused once, not read again
        using var again = TrialKinds.Of(spec).Start(spec, plan.At(0), loader, TrialHost.None);
        Assert.Equal(TrialOutcome.Failed, again.Result().Outcome);
    }

    [Fact]
    public void The_same_file_within_the_limits_trains()
    {
        File.WriteAllLines(Path.Combine(_dir, "narrow.csv"), ["id,x,label", .. Enumerable.Range(0, 3000).Select(i => $"u{i % 50},{i % 7},{i % 2}")]);
        var spec = SpecParser.Parse("name: narrow\ndata: { csv: narrow.csv, label: label }\nmodels: [lda]\n", "narrow.yaml");
        using var trial = TrialKinds.Of(spec).Start(spec, new TrialPlan(spec).At(0), new DataLoader(null, _dir), TrialHost.None);
        Assert.Equal(TrialOutcome.Completed, trial.Result().Outcome);
    }
}
