using System.Globalization;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Search;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Reporting.Analysis;

/// <summary>One sampled hyperparameter, as the report shows it: which component's which value, its distribution, and every trial's draw with its measured value (validation accuracy, or the objective: <see cref="SearchMeasure"/>).</summary>
public sealed record SampledParameter(string Label, Distribution Distribution, IReadOnlyList<(double Value, string Text, double Validation, string Key)> Points, double Importance)
{
    public bool LogScale => Distribution is Distribution.LogUniform;
}

/// <summary>What a search's figures measure: validation accuracy (shown in %), or a program's or function's objective as it reported it.</summary>
public sealed record SearchMeasure(string Label, bool Maximize, bool Percent)
{
    public static readonly SearchMeasure Validation = new("validation accuracy", true, true);

    public static SearchMeasure Of(SweepSpec spec) =>
        spec.HasParameterCells ? new SearchMeasure(spec.Objective.Metric, spec.Objective.Maximize, false) : Validation;

    /// <summary>The value as figures plot it.</summary>
    public double Show(double v) => Percent ? 100 * v : v;

    public string Text(double v) => !double.IsFinite(v) ? "–" : Percent
        ? (100 * v).ToString("F2", CultureInfo.InvariantCulture) + " %"
        : v.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>The axis title: the label, its unit, and which way is better.</summary>
    public string Axis => Percent ? $"{Label} (%)" : $"{Label} ({(Maximize ? "higher" : "lower")} is better)";

    public bool IsBetter(double v, double than) => double.IsFinite(v) && (!double.IsFinite(than) || (Maximize ? v > than : v < than));
}

/// <summary>How many trials reached a rung, and how many of them went on.</summary>
public sealed record RungCount(int Rung, int Epoch, int Reached, int Continued);

/// <summary>
/// The Search section of a report: the best configuration, the epochs trained against the same
/// search without early stopping, trials per rung, the best validation so far against the epochs
/// spent (in trial-index order), and each sampled parameter against validation accuracy with its
/// importance (the share of the variance in validation accuracy its values explain: η² over ten
/// equal-count bins, or per option for a choice).
/// </summary>
public sealed record SearchSummary(
    string Method, BestTrial? Best, long EpochsTrained, long EpochsWithoutStopping, IReadOnlyList<RungCount> Rungs,
    IReadOnlyList<(long Epochs, double Best)> Progress, IReadOnlyList<SampledParameter> Parameters)
{
    public double ComputeShare => EpochsWithoutStopping == 0 ? double.NaN : (double)EpochsTrained / EpochsWithoutStopping;

    /// <summary>What <see cref="Progress"/> and the parameters' points measure.</summary>
    public SearchMeasure Measure { get; init; } = SearchMeasure.Validation;

    /// <summary>The trial with the best <see cref="Measure"/> (a program's or function's search; the built-in ones name <see cref="Best"/>).</summary>
    public (string Key, double Value)? BestByMeasure { get; init; }

    /// <summary><see cref="Progress"/> counts trials (a TPE search, in the order it proposed them), not epochs.</summary>
    public bool ProgressByTrials { get; init; }

    /// <summary>A TPE search's cost of learning, as its coordinator measured it: slot-seconds waited for proposals, the mean time of one, how many.</summary>
    public (double WaitSeconds, double MeanProposalSeconds, long Proposals)? Proposals { get; init; }

    /// <summary>Null for a plain grid without early stopping.</summary>
    public static SearchSummary? Of(SweepSpec? spec, ResultSet set)
    {
        if (spec is null || (spec.Search.Method == SearchMethod.Grid && spec.EarlyStopping is null)) return null;
        var results = set.Records;
        var trained = results.Where(r => !r.IsClosedForm && r.Outcome != TrialOutcome.Failed).ToList();
        var best = set.Best;
        var method = spec.Search.Method switch
        {
            SearchMethod.Random => $"random search, {spec.Search.Samples} samples per cell (seed {spec.Search.Seed})",
            SearchMethod.Sobol => $"Sobol search, {spec.Search.Samples} samples per cell (seed {spec.Search.Seed})",
            SearchMethod.Tpe => $"TPE{(spec.Search.Tpe.Multivariate ? " (multivariate)" : "")}, {spec.Search.Samples} samples per cell (seed {spec.Search.Seed}, parallelism {spec.Search.Parallelism}, " +
                $"{spec.Search.Tpe.StartupTrials} drawn at random first, {spec.Search.Tpe.Candidates} candidates)",
            _ => "grid",
        } + (spec.EarlyStopping is { } es
            ? es.Method == EarlyStoppingMethod.Asha
                ? $"; ASHA on {es.Metric}, grace {es.GraceEpochs} epochs, reduction {es.Reduction}"
                : $"; median stopping on {es.Metric}, every {es.GraceEpochs} epochs"
            : "");
        var rungs = spec.EarlyStopping?.Rungs(spec.Epochs) ?? [];
        var counts = rungs.Select((epoch, k) => new RungCount(k + 1, epoch, trained.Count(r => r.EpochCount >= epoch),
            trained.Count(r => r.EpochCount > epoch))).ToList();
        var measure = SearchMeasure.Of(spec);
        (string, double)? bestByMeasure = null;
        if (spec.HasParameterCells)
            foreach (var r in results)
                if (measure.IsBetter(r.Objective, bestByMeasure?.Item2 ?? double.NaN)) bestByMeasure = (r.Key, r.Objective);
        var (progress, byTrial) = ProgressOf(spec, trained, measure);
        return new SearchSummary(method, best, trained.Sum(r => (long)r.EpochCount), (long)trained.Count * spec.Epochs, counts,
            progress, ParametersOf(spec, results, measure))
        { Measure = measure, BestByMeasure = bestByMeasure, ProgressByTrials = spec.Search.Method == SearchMethod.Tpe, BestByTrial = byTrial };
    }

    /// <summary>The best value so far after each trial, in the search's own order (index order; TPE's proposal order): how searches of one space compare, trial for trial.</summary>
    public IReadOnlyList<double> BestByTrial { get; init; } = [];

    /// <summary>The value a trial is measured by.</summary>
    private static double ValueOf(ResultRecord r, SearchMeasure measure) => ReferenceEquals(measure, SearchMeasure.Validation) ? r.ValidationAccuracy : r.Objective;

    /// <summary>
    /// The best value so far, trial by trial in index order, against the epochs trained so far; for
    /// TPE in the order it proposed (sample by sample), against the trials run so far.
    /// </summary>
    private static (List<(long, double)> Progress, List<double> ByTrial) ProgressOf(SweepSpec spec, List<ResultRecord> trained, SearchMeasure measure)
    {
        var points = new List<(long, double)>();
        var byTrial = new List<double>();
        long x = 0;
        var best = double.NaN;
        void Next(ResultRecord r, long step)
        {
            x += step;
            if (measure.IsBetter(ValueOf(r, measure), best)) best = ValueOf(r, measure);
            points.Add((x, best));
            byTrial.Add(best);
        }
        if (spec.Search.Method == SearchMethod.Tpe)
        {
            foreach (var r in trained.OrderBy(r => r.Sample).ThenBy(r => r.Key, StringComparer.Ordinal)) Next(r, 1);
            return (points, byTrial);
        }
        var plan = new TrialPlan(spec);
        var byKey = trained.ToDictionary(r => r.Key, StringComparer.Ordinal);
        if (plan.Count > 2_000_000) return (points, byTrial);   // the index order of a larger plan is not rebuilt for a figure
        foreach (var t in plan.All())
            if (byKey.TryGetValue(t.Key, out var r)) Next(r, r.EpochCount);
        return (points, byTrial);
    }

    private static List<SampledParameter> ParametersOf(SweepSpec spec, IReadOnlyList<ResultRecord> results, SearchMeasure measure)
    {
        var parameters = new List<SampledParameter>();
        var parsed = new Dictionary<string, ComponentSpec>(StringComparer.Ordinal);   // a cell's text is parsed once, not once per seed
        void Add(string axis, ComponentSpec? template, Func<ResultRecord, string?> text)
        {
            foreach (var (path, distribution) in SearchSpec.Parameters(template))
            {
                var points = new List<(double, string, double, string)>();
                foreach (var r in results)
                {
                    if (text(r) is not { } t || t == "-") continue;
                    if (!parsed.TryGetValue(t, out var drawn)) parsed[t] = drawn = ComponentSpec.Parse(t);
                    if (drawn.Name != template!.Name || Value(drawn, path.Split('.')) is not { } v || !double.IsFinite(ValueOf(r, measure))) continue;
                    var number = v is ParamValue.Number n ? n.Value : double.NaN;
                    points.Add((number, v.ToString()!, ValueOf(r, measure), r.Key));
                }
                if (points.Count > 0)
                    parameters.Add(new SampledParameter(!spec.HasParameterCells ? $"{axis} {template!.Name}: {path}" : path, distribution, points, Importance(points, distribution)));
            }
        }
        // A program's cells share their drawn parameters: each is shown once, over every trial.
        foreach (var m in !spec.HasParameterCells ? spec.Models : spec.Models.Take(1)) Add("model", m, r => r.Model);
        foreach (var o in spec.Grid.Optimizers) Add("optimizer", o, r => r.OptimizerSpec);
        foreach (var s in spec.Grid.Schedules) Add("schedule", s, r => r.ScheduleSpec);
        return parameters;
    }

    private static ParamValue? Value(ComponentSpec spec, string[] path) =>
        !spec.Params.TryGetValue(path[0], out var v) ? null
        : path.Length == 1 ? v
        : v is ParamValue.Component c ? Value(c.Spec, path[1..]) : null;

    /// <summary>η²: between-group over total sum of squares of validation accuracy, the groups being ten equal-count bins of the value (or the options of a choice).</summary>
    public static double Importance(IReadOnlyList<(double Value, string Text, double Validation, string Key)> points, Distribution distribution)
    {
        if (points.Count < 3) return double.NaN;
        var mean = points.Average(p => p.Validation);
        var total = points.Sum(p => (p.Validation - mean) * (p.Validation - mean));
        if (total == 0) return 0;
        IEnumerable<IEnumerable<double>> groups = distribution is Distribution.Choice
            ? points.GroupBy(p => p.Text, StringComparer.Ordinal).Select(g => g.Select(p => p.Validation))
            : points.OrderBy(p => p.Value).Select((p, i) => (p, Bin: i * 10 / points.Count)).GroupBy(x => x.Bin).Select(g => g.Select(x => x.p.Validation));
        var between = groups.Sum(g =>
        {
            var list = g.ToList();
            var m = list.Average();
            return list.Count * (m - mean) * (m - mean);
        });
        return between / total;
    }

    public static string Percent(double share) => double.IsFinite(share) ? (100 * share).ToString("F1", CultureInfo.InvariantCulture) + " %" : "–";
}
