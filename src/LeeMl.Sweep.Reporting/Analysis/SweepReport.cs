using LeeMl.Sweep.Experiments.Jobs;
namespace LeeMl.Sweep.Reporting.Analysis;

/// <summary>One grid cell summarised over its seeds.</summary>
/// <summary>
/// The cells whose every trial early stopping ended: not rows of the cell table (they have no
/// finished training to compare) but one summary — how many, at which epochs, and the best validation
/// accuracy (%) any of them reached where it stopped.
/// </summary>
public sealed record StoppedCells(int Count, IReadOnlyList<(int Epoch, int Trials)> AtEpochs, double BestValidation)
{
    public static readonly StoppedCells None = new(0, [], double.NaN);
}

public sealed record CellSummary(
    string Cell, string Label, bool IsBaseline, int Seeds, int Completed, int Diverged, int Failed,
    Estimate Train, Estimate Validation, Estimate Test, Estimate Gap, Estimate BestEpoch, Estimate Seconds, bool IsBest);

/// <summary>
/// The effect of one level of a factor against its reference level, over matched pairs: trials that
/// differ in this factor only (same other axes, same seed). Differences in accuracy points.
/// </summary>
public sealed record FactorEffect(string Factor, string Reference, string Level, Estimate TrainDifference, Estimate ValidationDifference, string Sentence);

/// <summary>The mean train − validation gap of every level of a factor, over all its trained trials.</summary>
public sealed record FactorGap(string Factor, string Level, Estimate Gap);

/// <summary>
/// A failed trial (its last attempt), or an attempt that hit a node fault and was retried
/// elsewhere: which trial, on which node, which attempt, and why.
/// </summary>
public sealed record FailureRow(string Key, string Node, int Attempt, string Error, bool TrialFailed);

/// <summary>
/// The lecture's question — is Adam ahead on training and SGDM on validation? — asked where the grid
/// compares the two: accuracies (%) of each over the matched trials (same other axes, same seed),
/// their differences (Adam − SGDM, points), and what the data show in words.
/// </summary>
public sealed record LectureAnswer(
    string Adam, string Sgdm, int Pairs, Estimate AdamTrain, Estimate SgdmTrain, Estimate AdamValidation, Estimate SgdmValidation,
    Estimate TrainDifference, Estimate ValidationDifference, string Sentence);

/// <summary>
/// Where SWATS trials switched from Adam to SGD: how many ran SWATS, the optimizer steps at which
/// those that switched did so (key order), and the first <see cref="Rows"/> trials with theirs (null: never).
/// </summary>
public sealed record SwatsSwitches(int Trials, IReadOnlyList<long> Steps, IReadOnlyList<(string Key, long? Step)> First)
{
    /// <summary>At most this many trials are listed; the rest are counted.</summary>
    public const int Rows = 100;

    public static readonly SwatsSwitches None = new(0, [], []);
}

/// <summary>A job's report as data; <see cref="Lecture"/> is null where the grid does not compare SGDM with Adam.</summary>
/// <summary>One metric a program reported: over the trials that reported it, its final value's mean, least and greatest.</summary>
public sealed record MetricSummary(string Name, int Trials, double Mean, double Min, double Max);

public sealed record SweepReport(
    string Name, JobProgress Progress, IReadOnlyList<ResultRecord> Results, IReadOnlyList<CellSummary> Cells,
    IReadOnlyList<FactorEffect> Effects, IReadOnlyList<FactorGap> Gaps, LectureAnswer? Lecture, IReadOnlyDictionary<string, string> ShortNames,
    IReadOnlyList<FailureRow> Failures)
{
    /// <summary>A program's objective (null for the built-in trials).</summary>
    public Experiments.Programs.ProgramObjective? Objective { get; init; }

    /// <summary>Every metric a program's trials reported, over their final values (empty for the built-in trials).</summary>
    public IReadOnlyList<MetricSummary> Metrics { get; init; } = [];

    /// <summary>The Search section: present for a random or Sobol search, or under early stopping.</summary>
    public SearchSummary? Search { get; init; }

    /// <summary>Where the SWATS trials switched to SGD (none: no trial ran SWATS).</summary>
    public SwatsSwitches Switches { get; init; } = SwatsSwitches.None;

    /// <summary>Cells left out of <see cref="Cells"/> because early stopping ended every trial of theirs.</summary>
    public StoppedCells Stopped { get; init; } = StoppedCells.None;

    public int FailedTrials => Failures.Count(f => f.TrialFailed);

    public int NodeFaults => Failures.Count(f => !f.TrialFailed);
}
