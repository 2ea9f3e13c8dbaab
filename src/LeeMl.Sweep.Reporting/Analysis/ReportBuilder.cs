using LeeMl.Sweep.Experiments.Jobs;
using System.Globalization;
using System.Text.RegularExpressions;
using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Reporting.Analysis;

/// <summary>
/// Results → report, a pure function. Cells are summarised over seeds; each factor's levels are
/// compared with its reference level over matched pairs (same other axes, same seed), so the
/// comparison is paired and the interval narrow; closed-form baselines appear in the cell table
/// but not in the factor effects (they have no optimizer axes).
/// </summary>
public static partial class ReportBuilder
{
    private static readonly Dictionary<string, string> AxisTitles = new()
    {
        ["model"] = "model", ["optimizer"] = "optimizer", ["schedule"] = "schedule", ["warmup"] = "warm-up", ["noise"] = "gradient noise",
    };

    /// <summary>An axis as a reader sees it; a program's parameter by its name.</summary>
    public static string AxisTitle(string axis) => AxisTitles.GetValueOrDefault(axis, axis);

    /// <summary>The report of one pass over a job's results: cells labelled and ranked, factor effects and gaps over the compact trial records.</summary>
    public static SweepReport Build(string name, JobProgress progress, ResultSet set)
    {
        var results = set.Records;
        var shortNames = ShortNames(set.AllLevels, set.Axes);
        string Label(CellLevels l) => l.IsClosedForm
            ? $"{shortNames[$"model:{l.Model}"]} (closed form)"
            : string.Join(" · ", set.Axes.Select(a => shortNames[$"{a}:{l.Axis(a)}"]).Where(s => s.Length > 0));

        var cells = set.Cells.Select(c => c.Summary with { Label = Label(c.Levels) })
            .OrderByDescending(c => double.IsNaN(c.Validation.Mean) ? double.NegativeInfinity : c.Validation.Mean)
            .ThenBy(c => c.Cell, StringComparer.Ordinal).ToList();
        if (cells.Count > 0 && !double.IsNaN(cells[0].Validation.Mean)) cells[0] = cells[0] with { IsBest = true };

        // Trials are compared by their rows: indexes into the table, never copies of it.
        var trained = new List<int>();
        for (var i = 0; i < results.Count; i++)
            if (!results[i].IsClosedForm && results[i].Succeeded) trained.Add(i);
        var effects = new List<FactorEffect>();
        var gaps = new List<FactorGap>();
        foreach (var axis in set.Axes)
        {
            // A program's drawn parameter has a level per cell: no two trials share it, so it has no factor effect (the Search section weighs it).
            if (set.Axes != ResultRecord.Axes && set.AllLevels.Select(l => l.Axis(axis)).Distinct(StringComparer.Ordinal).Count() == set.AllLevels.Count && set.AllLevels.Count > 2) continue;
            var byLevel = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            foreach (var i in trained)
            {
                var level = results[i].Axis(axis);
                if (!byLevel.TryGetValue(level, out var rows)) byLevel[level] = rows = [];
                rows.Add(i);
            }
            var levels = byLevel.Keys.Order(StringComparer.Ordinal).ToList();
            if (levels.Count < 2) continue;
            var reference = levels.Contains("-") ? "-" : levels[0];
            var references = References(results, byLevel[reference], axis);
            foreach (var level in levels.Where(l => l != reference))
            {
                var (train, validation) = Paired(results, MatchedPairs(results, byLevel[level], axis, references));
                effects.Add(new FactorEffect(axis, reference, level, train, validation,
                    Sentence(axis, Display(shortNames, axis, reference), Display(shortNames, axis, level), train, validation)));
            }
            foreach (var level in levels)
                gaps.Add(new FactorGap(axis, level, Estimate.Of(byLevel[level].Select(i => 100 * results[i].Gap))));
        }
        return new SweepReport(name, progress, results, cells, effects, gaps, Lecture(results, trained, shortNames), shortNames, set.Failures) { Stopped = set.Stopped, Switches = set.Switches, Metrics = set.Metrics };
    }

    /// <summary>A level as a reader sees it: its short name, or "no warm-up" for none.</summary>
    public static string Display(IReadOnlyDictionary<string, string> shortNames, string axis, string level) =>
        level == "-" ? $"no {AxisTitle(axis)}" : shortNames[$"{axis}:{level}"];

    /// <summary>Differences level − reference in train and validation accuracy (points) over matched pairs.</summary>
    public static (Estimate Train, Estimate Validation) Paired(TrialTable t, IReadOnlyList<(int Level, int Ref)> pairs) =>
        (Estimate.Of(pairs.Select(p => 100 * (t[p.Level].TrainAccuracy - t[p.Ref].TrainAccuracy))),
         Estimate.Of(pairs.Select(p => 100 * (t[p.Level].ValidationAccuracy - t[p.Ref].ValidationAccuracy))));

    /// <summary>What a trial shares with its matched trial of another level of <paramref name="axis"/>: the other axes (texts already shared, so nothing is built) and the seed.</summary>
    private static (string, string, string, string, int) Context(ResultRecord r, string axis)
    {
        var l = r.Levels;
        if (l.Parameters is { } parameters)
            return (string.Join(", ", parameters.Where(p => p.Key != axis).Select(p => $"{p.Key}={p.Value}")), "", "", "", r.Seed);
        return axis switch
        {
            "model" => (l.Axis("optimizer"), l.Axis("schedule"), l.Axis("warmup"), l.Axis("noise"), r.Seed),
            "optimizer" => (l.Model, l.Axis("schedule"), l.Axis("warmup"), l.Axis("noise"), r.Seed),
            "schedule" => (l.Model, l.Axis("optimizer"), l.Axis("warmup"), l.Axis("noise"), r.Seed),
            "warmup" => (l.Model, l.Axis("optimizer"), l.Axis("schedule"), l.Axis("noise"), r.Seed),
            _ => (l.Model, l.Axis("optimizer"), l.Axis("schedule"), l.Axis("warmup"), r.Seed),
        };
    }

    /// <summary>The rows of the reference level on <paramref name="axis"/>, by their context: built once per axis, whatever the number of levels.</summary>
    private static Dictionary<(string, string, string, string, int), int> References(TrialTable t, List<int> reference, string axis)
    {
        var byContext = new Dictionary<(string, string, string, string, int), int>(reference.Count);
        foreach (var i in reference) byContext.TryAdd(Context(t[i], axis), i);
        return byContext;
    }

    /// <summary>Rows of a level, in key order, each with its row of the reference: the same other axes and seed.</summary>
    private static List<(int Level, int Ref)> MatchedPairs(TrialTable t, List<int> level, string axis, Dictionary<(string, string, string, string, int), int> references)
    {
        var pairs = new List<(int, int)>();
        foreach (var i in level)
            if (references.TryGetValue(Context(t[i], axis), out var r)) pairs.Add((i, r));
        return pairs;
    }

    private static string Size(double v) => Math.Abs(v).ToString("0.00", CultureInfo.InvariantCulture);

    public static string Points(double v) => double.IsNaN(v) ? "–" : v.ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture);

    public static string Interval(Estimate e) =>
        e.N < 2 ? $"{Points(e.Mean)} (n = {e.N})" : $"{Points(e.Mean)} [{Points(e.Low)}, {Points(e.High)}]";

    private static string Direction(Estimate e, string what) => e.Sign switch
    {
        1 => $"{what} higher",
        -1 => $"{what} lower",
        _ => $"no clear difference in {what}",
    };

    private static string Sentence(string axis, string reference, string level, Estimate train, Estimate validation)
    {
        if (train.N == 0) return $"{AxisTitle(axis)}: no matched pairs for {level} against {reference} yet.";
        return string.Create(CultureInfo.InvariantCulture,
            $"{char.ToUpperInvariant(AxisTitle(axis)[0])}{AxisTitle(axis)[1..]}: {level} instead of {reference} changes training accuracy by {Points(train.Mean)} points " +
            $"(95 % CI {Points(train.Low)} to {Points(train.High)}) and validation accuracy by {Points(validation.Mean)} points " +
            $"(95 % CI {Points(validation.Low)} to {Points(validation.High)}) over {train.N} matched pairs: " +
            $"{Direction(train, "training")}, {Direction(validation, "validation")}.");
    }

    /// <summary>The lecture's question, where the grid compares SGDM with Adam (else null), answered over matched pairs.</summary>
    private static LectureAnswer? Lecture(TrialTable t, List<int> trained, IReadOnlyDictionary<string, string> shortNames)
    {
        var optimizers = trained.Select(i => t[i].Optimizer).Distinct().ToList();
        var adam = optimizers.Where(o => o.StartsWith("adam(", StringComparison.Ordinal) || o == "adam").Order(StringComparer.Ordinal).FirstOrDefault();
        var sgdm = optimizers.Where(o => o.StartsWith("sgdm(", StringComparison.Ordinal) || o == "sgdm").Order(StringComparer.Ordinal).FirstOrDefault();
        if (adam is null || sgdm is null) return null;
        var rows = MatchedPairs(t, [.. trained.Where(i => t[i].Optimizer == adam)], "optimizer",
            References(t, [.. trained.Where(i => t[i].Optimizer == sgdm)], "optimizer"));
        var pairs = rows.Select(p => (Level: t[p.Level], Ref: t[p.Ref])).ToList();
        var (a, s) = (shortNames[$"optimizer:{adam}"], shortNames[$"optimizer:{sgdm}"]);
        var train = Estimate.Of(pairs.Select(p => 100 * (p.Level.TrainAccuracy - p.Ref.TrainAccuracy)));
        var validation = Estimate.Of(pairs.Select(p => 100 * (p.Level.ValidationAccuracy - p.Ref.ValidationAccuracy)));
        string Ahead(Estimate d, string set) => d.Sign switch
        {
            1 => $"{a} is ahead on {set} by {Size(d.Mean)} points (95 % CI {Size(d.Low)} to {Size(d.High)})",
            -1 => $"{s} is ahead on {set} by {Size(d.Mean)} points (95 % CI {Size(d.High)} to {Size(d.Low)})",
            _ => $"neither is clearly ahead on {set} ({a} − {s}: {Points(d.Mean)} points, 95 % CI {Points(d.Low)} to {Points(d.High)})",
        };
        var sentence = train.N < 2
            ? $"Too few matched {a}/{s} pairs so far ({train.N}) to say which is ahead on training or on validation."
            : $"What the data show, over {train.N} matched pairs (same model, schedule, warm-up, noise and seed): {Ahead(train, "training")}; {Ahead(validation, "validation")}. " +
              ((train.Sign, validation.Sign) == (1, -1)
                  ? $"This is the lecture's pattern: {a} wins on training, {s} on validation."
                  : $"This is not the lecture's pattern ({a} ahead on training and {s} on validation, both beyond their intervals).");
        return new LectureAnswer(a, s, train.N,
            Estimate.Of(pairs.Select(p => 100 * p.Level.TrainAccuracy)), Estimate.Of(pairs.Select(p => 100 * p.Ref.TrainAccuracy)),
            Estimate.Of(pairs.Select(p => 100 * p.Level.ValidationAccuracy)), Estimate.Of(pairs.Select(p => 100 * p.Ref.ValidationAccuracy)),
            train, validation, sentence);
    }

    [GeneratedRegex(@"^(?<name>[^(]+)(\((?<params>.*)\))?$")]
    private static partial Regex ComponentPattern();

    /// <summary>Short, unambiguous names per axis level: the component name when it is unique on its axis.</summary>
    private static Dictionary<string, string> ShortNames(IReadOnlyList<CellLevels> cells, IReadOnlyList<string> axes)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var level in cells.Select(c => c.Model).Distinct()) names[$"model:{level}"] = level;
        if (axes != ResultRecord.Axes)
        {
            // A program's parameters: each level as name=value.
            foreach (var axis in axes)
                foreach (var level in cells.Select(c => c.Axis(axis)).Distinct())
                    names[$"{axis}:{level}"] = level == "-" ? "" : $"{axis}={level}";
            return names;
        }
        foreach (var axis in ResultRecord.Axes)
        {
            var levels = cells.Select(c => c.Axis(axis)).Distinct().ToList();
            var byName = levels.Where(l => l != "-").GroupBy(l => ComponentPattern().Match(l).Groups["name"].Value).ToDictionary(g => g.Key, g => g.Count());
            foreach (var level in levels)
            {
                var m = ComponentPattern().Match(level);
                var name = m.Groups["name"].Value;
                names[$"{axis}:{level}"] = level == "-" ? "" : axis switch
                {
                    "warmup" => "warm-up " + Param(m, "steps"),
                    "noise" => "noise η=" + Param(m, "eta"),
                    _ => byName[name] == 1 ? name : level,
                };
            }
        }
        return names;
    }

    private static string Param(Match m, string key) =>
        m.Groups["params"].Value.Split(", ").Select(p => p.Split('=')).FirstOrDefault(kv => kv[0] == key)?[1] ?? "?";
}
