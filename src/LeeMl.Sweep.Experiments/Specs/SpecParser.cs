using System.Collections.Immutable;
using System.Globalization;
using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Optimizers;
using LeeMl.Sweep.Optim.Schedules;
using LeeMl.Sweep.Experiments.Search;
using LeeMl.Sweep.Experiments.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LeeMl.Sweep.Experiments.Specs;

/// <summary>
/// Reads and validates a sweep spec (YAML, or JSON) before anything runs: unknown keys, unknown
/// names, wrong types and out-of-range values each get an error with file, line and path. Every
/// optimizer, schedule and model is built once here, so a spec that parses will build.
/// A spec names components only; it can never name a type or load code.
/// </summary>
public static partial class SpecParser
{
    public const int DefaultMaxTrials = 100_000;

    /// <summary>The curve points (trials × epochs) a job may store unless its spec raises max_curve_points: a few gigabytes of results.</summary>
    public const int DefaultMaxCurvePoints = 20_000_000;

    /// <summary>Synthetic data is built in every worker's memory, once per job.</summary>
    public const long MaxSyntheticValues = 20_000_000;

    private static readonly string[] TopKeys = ["name", "data", "validation", "models", "epochs", "batch_size", "seeds", "seed", "grid", "max_trials", "max_attempts", "search", "early_stopping", "kind", "max_curve_points", "program", "function", "objective", "warm_start"];
    private static readonly string[] DistributionKeys = ["uniform", "log_uniform", "int_uniform", "choice"];
    private static readonly string[] GridKeys = ["optimizer", "schedule", "warmup", "gradient_noise"];

    public static SweepSpec ParseFile(string path) => Parse(ReadFile(path), path);

    /// <summary>A spec file's text, if it is a regular file within the size limit (a device or a pipe could be endless).</summary>
    public static string ReadFile(string path)
    {
        var file = Printable.Escape(path);
        var info = new FileInfo(path);
        if (!info.Exists) throw new SpecException(Directory.Exists(path) ? $"{file}: a folder, not a spec file" : $"{file}: spec file not found");
        if (info.Length == 0) throw new SpecException($"{file}: the file is empty, or not a regular file (a device, a pipe)");
        SpecLimits.CheckSize(info.Length, file);
        return File.ReadAllText(path);
    }

    /// <summary>A spec, checked in full: its syntax, its limits, and every combination of optimizer, schedule and warm-up built once (cancellable: that can take seconds for a grid of millions).</summary>
    public static SweepSpec Parse(string text, string file, CancellationToken cancel = default) => Parse(text, file, buildCombinations: true, cancel);

    /// <summary>
    /// A spec this cluster accepted before (read back from its store by a job's entity, a worker,
    /// the reports): the same checks, but its combinations, built once at submit, are not built again.
    /// </summary>
    public static SweepSpec ParseAccepted(string text, string file) => Parse(text, file, buildCombinations: false, CancellationToken.None);

    private static SweepSpec Parse(string text, string file, bool buildCombinations, CancellationToken cancel)
    {
        file = Printable.Escape(file);
        SpecLimits.CheckSize(System.Text.Encoding.UTF8.GetByteCount(text), file);
        var root = Load(text, file);
        var keys = new Dictionary<string, SpecNode>();
        foreach (var (key, value) in root.Entries())
        {
            if (!TopKeys.Contains(key)) throw value.Error($"unknown key '{key}'; known: {string.Join(", ", TopKeys)}");
            keys[key] = value;
        }
        SpecNode Required(string key) => keys.GetValueOrDefault(key) ?? throw root.Error($"missing key '{key}'");

        var name = Required("name").Scalar();
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw Required("name").Error($"name '{name}' must be letters, digits, '-', '_' or '.'");
        if (name.Length > SpecLimits.MaxNameLength || name.StartsWith('.'))
            throw Required("name").Error(name.StartsWith('.') ? $"name '{name}' must not start with '.'" : $"the name is {name.Length} characters long; at most {SpecLimits.MaxNameLength}");
        if (keys.ContainsKey("program")) return ParseProgram(root, keys, name, text, cancel);
        if (keys.ContainsKey("function")) return ParseFunction(root, keys, name, text);
        var data = Data(Required("data"));
        var validation = keys.TryGetValue("validation", out var v) ? v.Double(0, 1, maxInclusive: false) : 0.2;
        var epochs = keys.TryGetValue("epochs", out var e) ? e.Int(1, 100_000) : 30;
        if (keys.TryGetValue("batch_size", out var b) && b.IsMap)
            throw b.Error("batch_size is one whole number for the whole sweep; to search it, give a trained model its own: models: [{ name: mlp, batch_size: { choice: [32, 64, 128] } }]");
        var batch = b?.Int(1, 1_000_000) ?? 32;
        var (seeds, seed, maxTrials, maxAttempts) = TrialBounds(keys);

        var modelsNode = Required("models");
        var models = modelsNode.ItemsOrOne().Select(n => (Node: n, Spec: Component(n))).ToList();
        if (models.Count == 0) throw modelsNode.Error("empty list; give at least one model");
        foreach (var (node, model) in models)
            foreach (var corner in SearchSpec.Corners(model))
            {
                try { ModelCatalog.Create(corner, features: 2, classes: 2); }
                catch (HyperparameterException ex) { throw node.Error(ex.Message); }
            }
        Unique(models.Select(m => (m.Node, (ComponentSpec?)m.Spec)));

        var (grid, checkCombinations) = GridOf(keys.GetValueOrDefault("grid"), root, models.Any(m => !ModelCatalog.IsClosedForm(m.Spec.Name)));
        var search = keys.TryGetValue("search", out var sn) ? SearchOf(sn) : SearchSpec.Grid;
        var sampled = models.Select(m => (m.Node, Dims: SearchSpec.Dimensions(m.Spec))).ToList();
        var gridDimensions = grid.Optimizers.Length == 0 ? 0 : grid.Optimizers.Max(o => SearchSpec.Dimensions(o)) + grid.Schedules.Max(s => SearchSpec.Dimensions(s)) + grid.Warmups.Sum(w => SearchSpec.Dimensions(w));
        var dimensions = sampled.Max(m => m.Dims) + gridDimensions;
        if (dimensions > 0 && search.Method == SearchMethod.Grid)
            throw (keys.GetValueOrDefault("search") ?? keys.GetValueOrDefault("grid") ?? root).Error("a distribution ({ log_uniform: [...] }, ...) needs a search that draws it: search: { method: random | sobol | tpe, samples: N }");
        if (search.Method == SearchMethod.Sobol && dimensions > Search.Sobol.MaxDimensions)
            throw sn!.Error($"a trial draws {dimensions} values; Sobol points have at most {Search.Sobol.MaxDimensions} dimensions (use method: random)");
        var stopping = keys.TryGetValue("early_stopping", out var en) ? EarlyStoppingOf(en, epochs, validation) : null;
        var kind = keys.TryGetValue("kind", out var kn) ? kn.Scalar() : Trials.TrialKinds.Default;
        if (!Trials.TrialKinds.IsKnown(kind)) throw kn!.Error($"unknown kind '{Text.Printable.Escape(kind)}'; known: {string.Join(", ", Trials.TrialKinds.Names)}");
        var spec = new SweepSpec(name, data, validation, [.. models.Select(m => m.Spec)], epochs, batch, seeds, seed, grid, maxTrials, maxAttempts, text, search, stopping)
        {
            Kind = kind,
            GivenObjective = keys.TryGetValue("objective", out var on) ? ObjectiveOf(on, EarlyStoppingSpec.Metrics) : null,
            WarmStart = WarmStartOf(keys),
        };
        // The count comes from the axis sizes, before anything is built per combination: a spec
        // whose grid multiplies past the limit costs milliseconds to refuse, however large.
        var count = Planning.TrialPlan.CountOf(spec);
        if (count > maxTrials)
            throw (keys.GetValueOrDefault("max_trials") ?? keys.GetValueOrDefault("grid") ?? root)
                .Error(count == long.MaxValue
                    ? $"the grid has more trials than a 64-bit count holds, over the limit of {maxTrials}"
                    : $"the grid has {count} trials, over the limit of {maxTrials} (raise max_trials to allow it)");
        if (search.Method == SearchMethod.Tpe)
        {
            // TPE learns per cell of the listed levels: each needs something to search.
            try { _ = new Planning.TrialPlan(spec); }
            catch (ArgumentException ex) { throw sn!.Error(ex.Message); }
        }
        var maxPoints = keys.TryGetValue("max_curve_points", out var mp) ? mp.Int(1) : DefaultMaxCurvePoints;
        if (Planning.TrialPlan.CurvePointsOf(spec) is var points && points > maxPoints)
            throw (mp ?? keys.GetValueOrDefault("epochs") ?? root).Error($"the sweep stores up to {count:N0} trials × {epochs:N0} epochs = {points:N0} curve points, " +
                $"over the limit of {maxPoints:N0} (raise max_curve_points to allow it)");
        if (buildCombinations) checkCombinations(cancel);
        return spec;
    }

    /// <summary>The spec's <c>warm_start</c>: earlier jobs by id, or paths of their results.jsonl files (or folders holding one).</summary>
    private static ImmutableArray<string> WarmStartOf(Dictionary<string, SpecNode> keys)
    {
        if (!keys.TryGetValue("warm_start", out var node)) return [];
        var entries = node.ItemsOrOne().Select(n => (Node: n, Text: n.Scalar().Trim())).ToList();
        if (entries.Count > 100) throw node.Error($"{entries.Count} earlier jobs; at most 100");
        foreach (var (n, text) in entries)
        {
            if (text.Length == 0) throw n.Error("an empty entry; give a job id or the path of an earlier job's results.jsonl");
            if (text.Length > 4096) throw n.Error("an entry over 4096 characters");
            if (!Planning.WarmStart.IsPath(text) && !Jobs.JobIds.IsValid(text))
                throw n.Error($"'{Printable.Escape(text)}' is neither a job id nor a path (a path holds a '/' or ends in .jsonl)");
        }
        if (entries.Select(e => e.Text).Distinct(StringComparer.Ordinal).Count() != entries.Count) throw node.Error("an earlier job is listed twice");
        return [.. entries.Select(e => e.Text)];
    }

    /// <summary>What every kind of sweep says about its trials: seeds, the seed of its draws, and its bounds on trials and attempts.</summary>
    private static (ImmutableArray<int> Seeds, int Seed, int MaxTrials, int MaxAttempts) TrialBounds(Dictionary<string, SpecNode> keys)
    {
        var seeds = keys.TryGetValue("seeds", out var s) ? s.ItemsOrOne().Select(n => n.Int(0)).ToImmutableArray() : [1];
        if (seeds.Length == 0) throw s!.Error("empty list; give at least one seed");
        if (seeds.Distinct().Count() != seeds.Length) throw s!.Error("a seed is listed twice");
        var seed = keys.TryGetValue("seed", out var sd) ? sd.Int(0) : 0;
        var maxTrials = keys.TryGetValue("max_trials", out var mt) ? mt.Int(1, 10_000_000) : DefaultMaxTrials;
        var maxAttempts = keys.TryGetValue("max_attempts", out var ma) ? ma.Int(1, 100) : 3;
        return (seeds, seed, maxTrials, maxAttempts);
    }

    private static SpecNode Load(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            SpecLimits.CheckShape(text, file);
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw YamlSyntax.Error(file, ex, text);
        }
        catch (InvalidOperationException)   // the parser's own complaint about an unfinished structure
        {
            throw YamlSyntax.Unfinished(file, text);
        }
        if (stream.Documents.Count == 0) throw new SpecException($"{file}:1: the spec is empty");
        if (stream.Documents.Count > 1) throw new SpecException($"{file}:{stream.Documents[1].RootNode.Start.Line}: one spec per file");
        var root = new SpecNode(file, "", stream.Documents[0].RootNode);
        if (!root.IsMap) throw root.Error("a spec is a mapping of keys (name, data, models, grid, ...)");
        return root;
    }

    private static SearchSpec SearchOf(SpecNode node)
    {
        var fields = node.Entries().ToDictionary(x => x.Key, x => x.Value);
        var methodNode = fields.GetValueOrDefault("method") ?? throw node.Error("missing key 'method' (grid, random, sobol or tpe)");
        var method = methodNode.Scalar() switch
        {
            "grid" => SearchMethod.Grid,
            "random" => SearchMethod.Random,
            "sobol" => SearchMethod.Sobol,
            "tpe" => SearchMethod.Tpe,
            var m => throw methodNode.Error($"unknown search method '{Printable.Escape(m)}'; known: grid, random, sobol, tpe"),
        };
        string[] known = method == SearchMethod.Tpe ? ["method", "samples", "seed", "parallelism", "multivariate", "startup_trials", "candidates"] : ["method", "samples", "seed"];
        foreach (var k in fields.Keys.Where(k => !known.Contains(k)))
            throw fields[k].Error($"unknown key '{k}' for search{(method == SearchMethod.Tpe ? " by tpe" : "")}; known: {string.Join(", ", known)}");
        var samples = fields.TryGetValue("samples", out var n) ? n.Int(1, 1_000_000) : method == SearchMethod.Grid ? 1 : 10;
        if (method == SearchMethod.Grid && samples != 1) throw n!.Error("a grid search takes each cell once; samples is for method: random, sobol or tpe");
        var search = new SearchSpec(method, samples, fields.TryGetValue("seed", out var sd) ? sd.Int(0) : 0);
        if (method != SearchMethod.Tpe) return search;
        var defaults = new TpeSettings();
        return search with
        {
            Parallelism = fields.TryGetValue("parallelism", out var p) ? p.Int(1, 4096) : 1,
            Tpe = new TpeSettings(
                StartupTrials: fields.TryGetValue("startup_trials", out var st) ? st.Int(0, 1_000_000) : defaults.StartupTrials,
                Candidates: fields.TryGetValue("candidates", out var c) ? c.Int(1, 10_000) : defaults.Candidates,
                Multivariate: fields.TryGetValue("multivariate", out var mv) && Flag(mv)),
        };
    }

    private static EarlyStoppingSpec EarlyStoppingOf(SpecNode node, int epochs, double validation, Programs.ProgramObjective? objective = null)
    {
        var fields = node.Entries().ToDictionary(x => x.Key, x => x.Value);
        string[] known = objective is null ? ["method", "metric", "grace_epochs", "reduction"] : ["method", "metric", "goal", "grace_epochs", "reduction"];
        foreach (var k in fields.Keys.Where(k => !known.Contains(k)))
            throw fields[k].Error($"unknown key '{k}' for early_stopping; known: {string.Join(", ", known)}");
        var methodNode = fields.GetValueOrDefault("method") ?? throw node.Error("missing key 'method' (asha or median)");
        var method = methodNode.Scalar() switch
        {
            "asha" => EarlyStoppingMethod.Asha,
            "median" => EarlyStoppingMethod.Median,
            var m => throw methodNode.Error($"unknown early stopping method '{m}'; known: asha, median"),
        };
        var metric = fields.TryGetValue("metric", out var mn) ? mn.Scalar() : objective?.Metric ?? "validation_accuracy";
        bool? maximize = null;
        if (objective is not null)
        {
            // A program reports metrics of any name: more is better as the spec says, as for the objective, or by the name's ending.
            if (!Programs.MetricLine.IsName(metric)) throw (mn ?? node).Error($"'{Printable.Escape(metric)}' is not a metric name (letters, digits, '_', '-', '.', '/')");
            maximize = fields.TryGetValue("goal", out var gn) ? Goal(gn) : metric == objective.Metric ? objective.Maximize : metric.EndsWith("accuracy", StringComparison.Ordinal);
        }
        else
        {
            if (!EarlyStoppingSpec.Metrics.Contains(metric)) throw mn!.Error($"unknown metric '{metric}'; known: {string.Join(", ", EarlyStoppingSpec.Metrics)}");
            if (metric.StartsWith("validation", StringComparison.Ordinal) && validation <= 0)
                throw (mn ?? node).Error($"the metric {metric} needs a validation set (validation > 0)");
        }
        var grace = fields.TryGetValue("grace_epochs", out var g) ? g.Int(1, 100_000) : 1;
        var reduction = fields.TryGetValue("reduction", out var r) ? r.Int(2, 100) : 3;
        var spec = new EarlyStoppingSpec(method, metric, grace, reduction) { Maximize = maximize };
        if (spec.Rungs(epochs).Count == 0)
            throw (g ?? node).Error($"no rung comes before the last of {epochs} epochs (grace_epochs {grace}): nothing would be stopped");
        return spec;
    }

    private static DataSpec Data(SpecNode node)
    {
        var entries = node.Entries().ToList();
        var sources = entries.Where(x => x.Key is "synthetic" or "name" or "csv").ToList();
        if (sources.Count != 1) throw node.Error("give exactly one of synthetic: blobs|moons, name: DATASET, csv: PATH");
        var (kind, sourceNode) = sources[0];
        var source = sourceNode.Scalar();
        string[] allowed = kind switch
        {
            "synthetic" when source == "blobs" => ["samples", "features", "classes", "separation", "label_noise", "seed", "test_fraction"],
            "synthetic" when source == "moons" => ["samples", "features", "noise", "seed", "test_fraction"],
            "synthetic" => throw sourceNode.Error($"unknown synthetic data '{source}'; known: blobs, moons"),
            "name" when NamedDatasets.Names.Contains(source) => ["features", "split_seed"],
            "name" => throw sourceNode.Error($"unknown dataset '{source}'; known: {string.Join(", ", NamedDatasets.Names)} (or csv: PATH)"),
            _ => ["label", "test", "features", "split_seed", "test_fraction"],
        };
        var settings = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (kind == "csv") settings["path"] = source;
        foreach (var (key, value) in entries)
        {
            if (key == kind) continue;
            if (!allowed.Contains(key)) throw value.Error($"unknown key '{key}' for {(kind == "csv" ? "csv" : source)} data; known: {string.Join(", ", allowed)}");
            settings[key] = key switch
            {
                "samples" => value.Int(10, 10_000_000).ToString(CultureInfo.InvariantCulture),
                "features" when kind == "synthetic" => value.Int(source == "moons" ? 2 : 1, 100_000).ToString(CultureInfo.InvariantCulture),
                "features" => string.Join(",", value.ItemsOrOne().Select(f => f.Scalar())),
                "classes" => value.Int(2, 1000).ToString(CultureInfo.InvariantCulture),
                "separation" => value.Double(0).ToString("R", CultureInfo.InvariantCulture),
                "label_noise" => value.Double(0, 1).ToString("R", CultureInfo.InvariantCulture),
                "test_fraction" => value.Double(0, 1, minInclusive: false, maxInclusive: false).ToString("R", CultureInfo.InvariantCulture),
                "noise" => value.Double(0).ToString("R", CultureInfo.InvariantCulture),
                "seed" or "split_seed" => value.Int(0).ToString(CultureInfo.InvariantCulture),
                _ => value.Scalar(),
            };
        }
        if (kind == "csv" && !settings.ContainsKey("label")) throw node.Error("csv data needs label: COLUMN");
        if (kind == "synthetic")
        {
            var values = long.Parse(settings.GetValueOrDefault("samples", "2000"), CultureInfo.InvariantCulture) * long.Parse(settings.GetValueOrDefault("features", source == "moons" ? "2" : "8"), CultureInfo.InvariantCulture);
            if (values > MaxSyntheticValues)
                throw node.Error($"samples x features = {values:N0} values, over the limit of {MaxSyntheticValues:N0} for synthetic data");
        }
        return new DataSpec(kind == "csv" ? "csv" : source, settings.ToImmutable());
    }

    /// <summary>A component: a name alone, or a mapping with <c>name</c> and its parameters.</summary>
    private static ComponentSpec Component(SpecNode node)
    {
        if (node.IsScalar)
        {
            var n = node.Scalar();
            if (n.Length == 0) throw node.Error("empty name");
            return new ComponentSpec(n);
        }
        var entries = node.Entries().ToList();
        if (entries.Count == 1 && DistributionKeys.Contains(entries[0].Key)) throw node.Error("a distribution stands for a value of a component, not for a component");
        var nameNode = entries.FirstOrDefault(x => x.Key == "name").Value ?? throw node.Error("missing key 'name'");
        var spec = new ComponentSpec(nameNode.Scalar());
        foreach (var (key, value) in entries)
        {
            if (key == "name") continue;
            ParamValue pv = value switch
            {
                { IsMap: true } when value.Entries().All(e => e.Key != "name") => new ParamValue.Sampled(DistributionOf(value)),
                { IsMap: true } => new ParamValue.Component(Component(value)),
                { IsScalar: true, IsPlain: true } => ParamValue.Parse(value.Scalar()),
                { IsScalar: true } => new ParamValue.Text(value.Scalar()),
                _ => throw value.Error("expected a value or a nested component, found a list"),
            };
            if (pv is ParamValue.Number { Value: var d } && !double.IsFinite(d)) throw value.Error($"'{value.Scalar()}' is not a finite number");
            spec = spec.With(key, pv);
        }
        return spec;
    }

    /// <summary>A warm-up's steps drawn by the search: whole numbers of at least 1 (int_uniform, or a choice of them).</summary>
    private static ParamValue WholeSteps(SpecNode node)
    {
        var d = DistributionOf(node);
        var whole = d switch
        {
            Distribution.IntUniform i => i.Low >= 1,
            Distribution.Choice c => c.Options.All(o => o is ParamValue.Number { Value: >= 1 and var v } && v == Math.Floor(v)),
            _ => false,
        };
        if (!whole) throw node.Error("a warm-up's steps are whole numbers >= 1: use int_uniform or a choice of them");
        return new ParamValue.Sampled(d);
    }

    /// <summary><c>{ log_uniform: [1e-4, 0.1] }</c>, <c>{ uniform: [a, b] }</c>, <c>{ int_uniform: [16, 128] }</c>, <c>{ choice: [16, 32, 64] }</c>.</summary>
    private static Distribution DistributionOf(SpecNode node)
    {
        var entries = node.Entries().ToList();
        if (entries.Count != 1) throw node.Error("a distribution is one of uniform, log_uniform, int_uniform or choice, with its list");
        var (kind, list) = entries[0];
        if (!DistributionKeys.Contains(kind)) throw list.Error($"unknown distribution '{kind}'; known: {string.Join(", ", DistributionKeys)} (a nested component needs its name:)");
        var items = list.Items();
        if (kind == "choice")
        {
            if (items.Count is 0 or > 1000) throw list.Error("choice needs 1 to 1000 values");
            var options = items.Select(i => i.IsPlain ? ParamValue.Parse(i.Scalar()) : new ParamValue.Text(i.Scalar())).ToList();
            if (options.Any(o => o is ParamValue.Number { Value: var d } && !double.IsFinite(d))) throw list.Error("choice values must be finite");
            if (options.Distinct().Count() != options.Count) throw list.Error("a value is listed twice");
            return new Distribution.Choice(options);
        }
        if (items.Count != 2) throw list.Error($"{kind} needs [low, high]");
        if (kind == "int_uniform")
        {
            var (lo, hi) = (items[0].Int(), items[1].Int());
            if (lo > hi) throw list.Error($"int_uniform needs low <= high; got [{lo}, {hi}]");
            return new Distribution.IntUniform(lo, hi);
        }
        var (low, high) = (items[0].Double(), items[1].Double());
        if (low >= high) throw list.Error($"{kind} needs low < high; got [{low.ToString(CultureInfo.InvariantCulture)}, {high.ToString(CultureInfo.InvariantCulture)}]");
        if (kind == "log_uniform")
        {
            if (low <= 0) throw list.Error("log_uniform needs 0 < low");
            return new Distribution.LogUniform(low, high);
        }
        return new Distribution.Uniform(low, high);
    }

    private static void Unique(IEnumerable<(SpecNode Node, ComponentSpec? Spec)> entries)
    {
        var seen = new Dictionary<string, SpecNode>();
        foreach (var (node, spec) in entries)
        {
            var key = spec?.ToString() ?? "none";
            if (seen.TryGetValue(key, out var first)) throw node.Error($"duplicates {first.Path} ({key}); every trial must differ");
            seen[key] = node;
        }
    }

    /// <summary>The grid's axes, and the check that builds every optimizer × schedule × warm-up (run once the trial count is known to be within its limit).</summary>
    private static (Grid Grid, Action<CancellationToken> CheckCombinations) GridOf(SpecNode? node, SpecNode root, bool needsOptimizer)
    {
        var axes = new Dictionary<string, SpecNode>();
        if (node is not null)
            foreach (var (key, value) in node.Entries())
            {
                if (!GridKeys.Contains(key)) throw value.Error($"unknown grid axis '{key}'; known: {string.Join(", ", GridKeys)}");
                if (value.IsSeq && value.Items().Count == 0) throw value.Error("empty list; an empty axis would make an empty grid");
                axes[key] = value;
            }
        if (needsOptimizer && !axes.ContainsKey("optimizer"))
            throw (node ?? root).Error("missing grid.optimizer: the trained models (logistic, softmax, mlp, ...) need at least one optimizer");

        List<(SpecNode Node, ComponentSpec? Spec)> Axis(string key, Func<SpecNode, ComponentSpec?> read) =>
            axes.TryGetValue(key, out var a) ? [.. a.ItemsOrOne().Select(n => (n, n.IsNone ? null : read(n)))] : [(root, null)];

        var optimizers = axes.ContainsKey("optimizer") ? Axis("optimizer", Component) : [];
        if (optimizers.Any(o => o.Spec is null)) throw optimizers.First(o => o.Spec is null).Node.Error("an optimizer cannot be none");
        var schedules = Axis("schedule", Component);
        var warmups = Axis("warmup", n =>
        {
            var steps = n.Entries().ToDictionary(x => x.Key, x => x.Value);
            foreach (var k in steps.Keys.Where(k => k is not ("steps" or "start_factor")))
                throw steps[k].Error($"unknown key '{k}' for warmup; known: steps, start_factor");
            var stepsNode = steps.GetValueOrDefault("steps") ?? throw n.Error("missing key 'steps'");
            var spec = new ComponentSpec("warmup").With("steps", stepsNode.IsMap ? WholeSteps(stepsNode) : new ParamValue.Number(stepsNode.Int(1)));
            return steps.TryGetValue("start_factor", out var f) ? spec.With("start_factor", f.Double(0, 1)) : spec;
        });
        var noises = Axis("gradient_noise", n =>
        {
            var fields = n.Entries().ToDictionary(x => x.Key, x => x.Value);
            foreach (var k in fields.Keys.Where(k => k is not ("eta" or "gamma")))
                throw fields[k].Error($"unknown key '{k}' for gradient_noise; known: eta, gamma");
            var eta = (fields.GetValueOrDefault("eta") ?? throw n.Error("missing key 'eta'")).Double(0);
            var gamma = fields.TryGetValue("gamma", out var g) ? g.Double(0) : 0.55;
            return new ComponentSpec("noise").With("eta", eta).With("gamma", gamma);
        });
        foreach (var axis in new[] { optimizers, schedules, warmups, noises }) Unique(axis);

        // Build every optimizer × schedule × warm-up once, so that a spec that validates also runs.
        // With a trained model each combination is at least one trial, so this costs no more than
        // the trial count allows; closed-form models alone use no combination.
        void CheckCombinations(CancellationToken cancel)
        {
            if (!needsOptimizer) return;
            var built = 0L;
            // Templates with distributions are built at each corner of their ranges: every draw builds too.
            foreach (var (oNode, oTemplate) in optimizers)
                foreach (var o in SearchSpec.Corners(oTemplate!))
                    foreach (var (sNode, sTemplate) in schedules)
                        foreach (var s in sTemplate is null ? [null] : SearchSpec.Corners(sTemplate).Cast<ComponentSpec?>())
                            foreach (var (wNode, wTemplate) in warmups)
                            foreach (var w in wTemplate is null ? [null] : SearchSpec.Corners(wTemplate).Cast<ComponentSpec?>())
                            {
                                if (++built % 4096 == 0) cancel.ThrowIfCancellationRequested();
                                try
                                {
                                    OptimizerCatalog.Create(o, 1, learningRateFromSchedule: s is not null || w is not null);
                                }
                                catch (HyperparameterException ex) { throw oNode.Error(ex.Message); }
                                try
                                {
                                    var schedule = TrialSchedule(s, w);
                                    Updater.Create(o, 1, schedule, totalSteps: 1_000_000);   // the real length depends on the data; a warm-up longer than the run fails its trials at run time
                                }
                                catch (HyperparameterException ex) { throw (s is null ? wNode : sNode).Error($"{ex.Message} (with {o})"); }
                            }
        }
        return (new Grid([.. optimizers.Select(x => x.Spec!)], [.. schedules.Select(x => x.Spec)], [.. warmups.Select(x => x.Spec)], [.. noises.Select(x => x.Spec)]), CheckCombinations);
    }

    /// <summary>The schedule a trial runs: its schedule (or constant), behind a linear warm-up if it has one.</summary>
    public static ComponentSpec? TrialSchedule(ComponentSpec? schedule, ComponentSpec? warmup)
    {
        if (warmup is null) return schedule;
        var w = new ComponentSpec("warmup-linear")
            .With("warmup_steps", warmup.Params["steps"])
            .With("then", new ParamValue.Component(schedule ?? new ComponentSpec("constant")));
        return warmup.Params.TryGetValue("start_factor", out var f) ? w.With("start_factor", f) : w;
    }
}
