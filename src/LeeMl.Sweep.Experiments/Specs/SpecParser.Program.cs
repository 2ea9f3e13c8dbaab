using System.Collections.Immutable;
using System.Globalization;
using LeeMl.Sweep.Experiments.Programs;
using LeeMl.Sweep.Experiments.Search;
using LeeMl.Sweep.Experiments.Text;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Experiments.Specs;

public static partial class SpecParser
{
    private static readonly string[] ProgramTopKeys = ["name", "program", "epochs", "seeds", "seed", "grid", "max_trials", "max_attempts", "search", "early_stopping", "max_curve_points", "kind", "warm_start"];
    private static readonly string[] ProgramKeys = ["command", "files", "env", "timeout", "stop_grace", "objective", "resources", "keep_scratch", "max_failed_fraction"];

    /// <summary>The name every program trial's component has; its parameters are the trial's.</summary>
    public const string ProgramComponent = "program";

    /// <summary>
    /// A spec with a <c>program</c>: the trials run the user's command; <c>grid</c> maps each
    /// parameter to a list (levels of the grid), a distribution (drawn by the search) or one value.
    /// Each combination of listed levels is one "model" of the plan, so seeds, samples, early
    /// stopping and attempts work as for the built-in trials.
    /// </summary>
    private static SweepSpec ParseProgram(SpecNode root, Dictionary<string, SpecNode> keys, string name, string text, CancellationToken cancel)
    {
        foreach (var (key, value) in keys)
            if (!ProgramTopKeys.Contains(key))
                throw value.Error(key == "function" ? "a spec has a function or a program, not both"
                    : key is "data" or "models" or "validation" or "batch_size"
                    ? $"'{key}' is for the built-in classifiers; a program reads its own data (ship it with program.files)"
                    : $"unknown key '{key}' for a program sweep; known: {string.Join(", ", ProgramTopKeys)}");
        if (keys.TryGetValue("kind", out var kindNode) && kindNode.Scalar() != Trials.ProgramTrialKind.KindName)
            throw kindNode.Error($"a spec with a program is of kind '{Trials.ProgramTrialKind.KindName}'");
        var program = ProgramOf(keys["program"]);
        var epochs = keys.TryGetValue("epochs", out var e) ? e.Int(1, 100_000) : 100;
        var (seeds, seed, maxTrials, maxAttempts) = TrialBounds(keys);
        var search = keys.TryGetValue("search", out var sn) ? SearchOf(sn) : SearchSpec.Grid;
        var models = ParameterCells(keys.GetValueOrDefault("grid"), maxTrials);
        var dimensions = models.Max(m => SearchSpec.Dimensions(m));
        if (dimensions > 0 && search.Method == SearchMethod.Grid)
            throw (sn ?? keys.GetValueOrDefault("grid") ?? root).Error("a distribution ({ log_uniform: [...] }, ...) needs a search that draws it: search: { method: random | sobol, samples: N }");
        CheckTpe(search, sn, models, keys.GetValueOrDefault("grid") ?? root);
        if (search.Method == SearchMethod.Sobol && dimensions > Sobol.MaxDimensions)
            throw sn!.Error($"a trial draws {dimensions} values; Sobol points have at most {Sobol.MaxDimensions} dimensions (use method: random)");
        var stopping = keys.TryGetValue("early_stopping", out var en) ? EarlyStoppingOf(en, epochs, validation: 1, program.Objective) : null;
        var spec = new SweepSpec(name, new DataSpec("none", ImmutableSortedDictionary<string, string>.Empty), 0, models, epochs, 1, seeds, seed,
            new Grid([], [null], [null], [null]), maxTrials, maxAttempts, text, search, stopping) { Kind = Trials.ProgramTrialKind.KindName, Program = program, WarmStart = WarmStartOf(keys) };
        var count = Planning.TrialPlan.CountOf(spec);
        if (count > maxTrials)
            throw (keys.GetValueOrDefault("max_trials") ?? keys.GetValueOrDefault("grid") ?? root)
                .Error($"the sweep has {count} trials, over the limit of {maxTrials} (raise max_trials to allow it)");
        var maxPoints = keys.TryGetValue("max_curve_points", out var mp) ? mp.Int(1) : DefaultMaxCurvePoints;
        if (Planning.TrialPlan.CurvePointsOf(spec) is var points && points > maxPoints)
            throw (mp ?? keys.GetValueOrDefault("epochs") ?? root).Error($"the sweep stores up to {count:N0} trials × {epochs:N0} steps = {points:N0} curve points, " +
                $"over the limit of {maxPoints:N0} (raise max_curve_points to allow it)");
        cancel.ThrowIfCancellationRequested();
        return spec;
    }

    private static ProgramSpec ProgramOf(SpecNode node)
    {
        var fields = node.Entries().ToDictionary(x => x.Key, x => x.Value);
        foreach (var k in fields.Keys.Where(k => !ProgramKeys.Contains(k)))
            throw fields[k].Error($"unknown key '{k}' for program; known: {string.Join(", ", ProgramKeys)}");
        var commandNode = fields.GetValueOrDefault("command") ?? throw node.Error("missing key 'command' (a list of words: [python3, train.py, \"${args}\"])");
        var command = commandNode.Items().Select(w => w.Scalar()).ToImmutableArray();
        if (command.Length == 0 || command[0].Length == 0) throw commandNode.Error("the command needs at least the program to run");
        if (command.Length > 256 || command.Any(w => w.Length > 4096)) throw commandNode.Error("at most 256 words of at most 4096 characters");
        if (CommandMacros.Unknown(command) is { } macro) throw commandNode.Error($"unknown macro '{Printable.Escape(macro)}'; known: {string.Join(", ", CommandMacros.Names)}");
        if (command[0].Contains("${", StringComparison.Ordinal)) throw commandNode.Error("the first word names the program; it cannot be a macro");

        var files = fields.TryGetValue("files", out var fn) ? fn.ItemsOrOne().Select(f => (Node: f, Path: f.Scalar())).ToList() : [];
        foreach (var (f, path) in files)
            if (ProgramFiles.Problem(path) is { } problem) throw f.Error(problem);
        if (files.Select(f => f.Path.TrimEnd('/')).Distinct(StringComparer.Ordinal).Count() != files.Count) throw fn!.Error("a file is listed twice");

        var env = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (fields.TryGetValue("env", out var envNode))
            foreach (var (k, v) in envNode.Entries())
            {
                if (k.Length == 0 || !(char.IsAsciiLetter(k[0]) || k[0] == '_') || k.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_')))
                    throw v.Error($"'{Printable.Escape(k)}' is not an environment variable name (letters, digits, '_')");
                if (k.StartsWith("LEEML_", StringComparison.Ordinal) || k == "CUDA_VISIBLE_DEVICES")
                    throw v.Error($"{k} is set by the worker for each trial");
                env[k] = v.Scalar();
            }

        var timeout = fields.TryGetValue("timeout", out var t) ? t.Double(1, 30 * 24 * 3600) : ProgramSpec.DefaultTimeoutSeconds;
        var grace = fields.TryGetValue("stop_grace", out var g) ? g.Double(0, 3600) : ProgramSpec.DefaultStopGraceSeconds;
        var objective = ObjectiveOf(fields.GetValueOrDefault("objective") ?? throw node.Error("missing key 'objective' ({ metric: validation_accuracy, goal: maximize })"));
        var gpus = 0;
        if (fields.TryGetValue("resources", out var rn))
            foreach (var (k, v) in rn.Entries())
                gpus = k == "gpus" ? v.Int(0, 64) : throw v.Error($"unknown resource '{k}'; known: gpus (CPU slots are the worker's --slots)");
        var keep = fields.TryGetValue("keep_scratch", out var kn) && Flag(kn);
        var failed = fields.TryGetValue("max_failed_fraction", out var mf) ? mf.Double(0, 1, minInclusive: false) : ProgramSpec.DefaultMaxFailedFraction;
        return new ProgramSpec(command, [.. files.Select(f => f.Path)], env.ToImmutable(), timeout, grace, objective, gpus, keep, failed);
    }

    /// <summary><c>objective: { metric, goal }</c>: any metric name (<paramref name="known"/>: only these); more is better for names ending in "accuracy" unless the goal says.</summary>
    private static ProgramObjective ObjectiveOf(SpecNode objectiveNode, IReadOnlyList<string>? known = null)
    {
        var objective = objectiveNode.Entries().ToDictionary(x => x.Key, x => x.Value);
        foreach (var k in objective.Keys.Where(k => k is not ("metric" or "goal")))
            throw objective[k].Error($"unknown key '{k}' for objective; known: metric, goal");
        var metricNode = objective.GetValueOrDefault("metric") ?? throw objectiveNode.Error("missing key 'metric'");
        var metric = metricNode.Scalar();
        if (known is not null && !known.Contains(metric)) throw metricNode.Error($"unknown metric '{Printable.Escape(metric)}'; known: {string.Join(", ", known)}");
        if (!MetricLine.IsName(metric)) throw metricNode.Error($"'{Printable.Escape(metric)}' is not a metric name (letters, digits, '_', '-', '.', '/')");
        var maximize = objective.TryGetValue("goal", out var goalNode) ? Goal(goalNode) : metric.EndsWith("accuracy", StringComparison.Ordinal);
        return new ProgramObjective(metric, maximize);
    }

    /// <summary>TPE learns per cell: every cell of the grid's listed levels needs a distribution to search.</summary>
    private static void CheckTpe(SearchSpec search, SpecNode? searchNode, ImmutableArray<ComponentSpec> cells, SpecNode grid)
    {
        if (search.Method != SearchMethod.Tpe) return;
        if (cells.FirstOrDefault(c => !SearchSpec.HasDistribution(c)) is { } fixedCell)
            throw (searchNode ?? grid).Error($"tpe searches distributions, and the cell {Printable.Escape(fixedCell.ToString())} has none (give at least one parameter a distribution)");
    }

    private static bool Goal(SpecNode node) => node.Scalar() switch
    {
        "maximize" or "max" => true,
        "minimize" or "min" => false,
        var v => throw node.Error($"unknown goal '{Printable.Escape(v)}'; known: maximize, minimize"),
    };

    private static bool Flag(SpecNode node) => node.Scalar() switch
    {
        "true" or "yes" => true,
        "false" or "no" => false,
        var v => throw node.Error($"'{Printable.Escape(v)}' is not true or false"),
    };

    /// <summary>The grid's parameters as cells: one component per combination of listed levels, distributions and single values inside each.</summary>
    private static ImmutableArray<ComponentSpec> ParameterCells(SpecNode? grid, int maxTrials, string component = ProgramComponent)
    {
        var cells = new List<ComponentSpec> { new(component) };
        if (grid is null) return [.. cells];
        foreach (var (key, value) in grid.Entries())
        {
            if (!MetricLine.IsName(key) || key.Contains('/')) throw value.Error($"'{Printable.Escape(key)}' is not a parameter name (letters, digits, '_', '-', '.')");
            IReadOnlyList<ParamValue> levels = value switch
            {
                { IsSeq: true } => [.. value.Items().Select(Level)],
                { IsMap: true } => [new ParamValue.Sampled(DistributionOf(value))],
                _ => [Level(value)],
            };
            if (levels.Count == 0) throw value.Error("empty list; an empty axis would make an empty grid");
            if (levels.Distinct().Count() != levels.Count) throw value.Error("a value is listed twice");
            if ((long)cells.Count * levels.Count > maxTrials) throw value.Error($"the grid has more than {maxTrials} cells, over the limit (raise max_trials to allow it)");
            cells = [.. cells.SelectMany(c => levels.Select(l => c.With(key, l)))];
        }
        return [.. cells];

        static ParamValue Level(SpecNode n)
        {
            if (!n.IsScalar) throw n.Error("a parameter's level is one value (a list of them makes grid levels; a mapping is a distribution)");
            var v = n.IsPlain ? ParamValue.Parse(n.Scalar()) : new ParamValue.Text(n.Scalar());
            if (v is ParamValue.Number { Value: var d } && !double.IsFinite(d)) throw n.Error($"'{n.Scalar()}' is not a finite number");
            if (v is ParamValue.Text { Value: var text } && (text.Length > 1024 || text.IndexOfAny(['(', ')', ',', '|', '\n']) >= 0))
                throw n.Error("a text value is at most 1024 characters, without '(', ')', ',', '|' or a line break");
            return v;
        }
    }
}
