using LeeMl.Sweep.Experiments.Jobs;
using System.Globalization;
using System.Xml;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Reporting.Tests;

public sealed class ReportTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("leeml-report-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static JobProgress Progress(int planned, int done) => new(planned, done, 0, done >= planned ? JobState.Done : JobState.Running);

    private static string Write(string dir, int planned)
    {
        ReportFolder.Render(dir, Progress(planned, File.ReadLines(Path.Combine(dir, "results.jsonl")).Count(l => l.Length > 0)));
        return dir;
    }

    /// <summary>A plain CSV reader for the test's own recomputation (quoted fields with commas).</summary>
    private static List<Dictionary<string, string>> ReadCsv(string path)
    {
        static List<string> Split(string line)
        {
            var fields = new List<string>();
            var sb = new System.Text.StringBuilder();
            var quoted = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (c == '"') quoted = !quoted;
                else if (c == ',' && !quoted) { fields.Add(sb.ToString()); sb.Clear(); }
                else sb.Append(c);
            }
            fields.Add(sb.ToString());
            return fields;
        }
        var lines = File.ReadAllLines(path);
        var header = Split(lines[0]);
        return [.. lines.Skip(1).Select(l => header.Zip(Split(l)).ToDictionary(p => p.First, p => p.Second))];
    }

    /// <summary>run draws a throw-away figure of each kind while it starts: it must draw, not fail quietly.</summary>
    [Fact]
    public void The_warm_up_draws_without_failing() => Rendering.Plots.WarmUp();

    /// <summary>
    /// The same results give the same figures, byte for byte, whatever the process drew before:
    /// the SVGs' clip paths are numbered within each figure, not by the drawing library's
    /// process-wide counter.
    /// </summary>
    [Fact]
    public void The_same_results_give_the_same_svg_bytes_after_other_figures()
    {
        var first = Write(SmallSweep.Folder(Path.Combine(_root, "first")), 51);
        Rendering.Plots.WarmUp();
        Rendering.Plots.WarmUp();
        var second = Write(SmallSweep.Folder(Path.Combine(_root, "second")), 51);
        var svgs = Directory.GetFiles(first, "*.svg").Select(Path.GetFileName).Order().ToList();
        Assert.True(svgs.Count >= 4, string.Join(", ", svgs));
        foreach (var svg in svgs)
        {
            var text = File.ReadAllText(Path.Combine(first, svg!));
            Assert.Contains("clip-path=\"url(#cl_0)\"", text);
            Assert.Equal(text, File.ReadAllText(Path.Combine(second, svg!)));
        }
    }

    /// <summary>
    /// The report writes its PNGs with a faster encoder than the drawing library's own: the files
    /// differ, the pixels must not — also where the figure is see-through.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_figure_png_holds_the_pixels_the_drawing_library_drew(bool transparent)
    {
        var plot = new ScottPlot.Plot();
        if (transparent) plot.FigureBackground.Color = ScottPlot.Colors.Transparent;
        plot.Add.Scatter(new double[] { 1, 2, 3 }, new double[] { 3, 1, 2 }).LegendText = "line";
        var bars = plot.Add.Bars(new double[] { 2, 4 });
        bars.Bars[0].FillColor = ScottPlot.Colors.Orange.WithAlpha(0.4);
        plot.Title("a title");
        plot.ShowLegend();
        var own = plot.GetImageBytes(320, 240, ScottPlot.ImageFormat.Png);
        var ours = Rendering.Plots.Png(plot.GetImage(320, 240));
        Assert.NotEqual(own, ours);
        using var expected = SkiaSharp.SKBitmap.Decode(own);
        using var actual = SkiaSharp.SKBitmap.Decode(ours);
        Assert.Equal((expected.Width, expected.Height, expected.AlphaType), (actual.Width, actual.Height, actual.AlphaType));
        Assert.True(expected.Pixels.AsSpan().SequenceEqual(actual.Pixels));
        Assert.Equal(transparent, expected.Pixels.Any(p => p.Alpha < 255));
    }

    [Fact]
    public void The_factor_table_agrees_with_an_independent_recomputation_from_results_csv()
    {
        var dir = Write(SmallSweep.Folder(_root), 51);
        var rows = ReadCsv(Path.Combine(dir, "results.csv")).Where(r => r["optimizer"] != "-" && r["outcome"] == "completed").ToList();
        var factors = ReadCsv(Path.Combine(dir, "factors.csv"));
        string[] axes = ["model", "optimizer", "schedule", "warmup", "noise"];
        Assert.NotEmpty(factors);
        foreach (var f in factors)
        {
            var axis = f["factor"];
            string Context(Dictionary<string, string> r) => string.Join("|", axes.Where(a => a != axis).Select(a => r[a])) + "|" + r["seed"];
            var reference = rows.Where(r => r[axis] == f["reference"]).ToDictionary(Context);
            var diffs = rows.Where(r => r[axis] == f["level"] && reference.ContainsKey(Context(r)))
                .Select(r => (Train: 100 * (double.Parse(r["train_accuracy"], CultureInfo.InvariantCulture) - double.Parse(reference[Context(r)]["train_accuracy"], CultureInfo.InvariantCulture)),
                              Val: 100 * (double.Parse(r["validation_accuracy"], CultureInfo.InvariantCulture) - double.Parse(reference[Context(r)]["validation_accuracy"], CultureInfo.InvariantCulture))))
                .ToList();
            Assert.Equal(diffs.Count, int.Parse(f["pairs"], CultureInfo.InvariantCulture));
            Assert.Equal(diffs.Average(d => d.Train), double.Parse(f["train_difference"], CultureInfo.InvariantCulture), 9);
            Assert.Equal(diffs.Average(d => d.Val), double.Parse(f["validation_difference"], CultureInfo.InvariantCulture), 9);
            // The 95 % interval: mean ± t(0.975, n−1)·sd/√n, with t(0.975, 23) = 2.068658 from a table.
            Assert.Equal(24, diffs.Count);
            var mean = diffs.Average(d => d.Val);
            var sd = Math.Sqrt(diffs.Sum(d => (d.Val - mean) * (d.Val - mean)) / 23);
            Assert.Equal(mean + 2.068658 * sd / Math.Sqrt(24), double.Parse(f["validation_high"], CultureInfo.InvariantCulture), 4);
        }
        // Every axis with two levels among trained trials is in the table: model, optimizer, schedule, warm-up.
        Assert.Equal(["model", "optimizer", "schedule", "warmup"], factors.Select(f => f["factor"]).Distinct());
    }

    [Fact]
    public void Report_json_holds_the_cells_with_their_intervals_as_results_csv_gives_them_and_the_curves_of_the_best_cells()
    {
        var dir = Write(SmallSweep.Folder(_root), 51);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "report.json")));
        var root = json.RootElement;
        var cells = root.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(root.GetProperty("cells_total").GetInt32(), cells.Count);
        var rows = ReadCsv(Path.Combine(dir, "results.csv")).Where(r => r["outcome"] == "completed").ToList();
        foreach (var cell in cells.Where(c => c.GetProperty("completed").GetInt32() >= 2))
        {
            var key = cell.GetProperty("cell").GetString()!;
            var values = rows.Where(r => string.Join("|", r["model"], r["optimizer"], r["schedule"], r["warmup"], r["noise"]) == key)
                .Select(r => 100 * double.Parse(r["validation_accuracy"], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(cell.GetProperty("completed").GetInt32(), values.Count);
            var v = cell.GetProperty("validation");
            Assert.Equal(values.Average(), v.GetProperty("mean").GetDouble(), 3);
            Assert.True(v.GetProperty("low").GetDouble() <= v.GetProperty("mean").GetDouble() && v.GetProperty("mean").GetDouble() <= v.GetProperty("high").GetDouble());
        }
        var curves = root.GetProperty("curves").EnumerateArray().ToList();
        Assert.NotEmpty(curves);
        Assert.All(curves, c => Assert.True(c.GetProperty("validation").GetArrayLength() > 0));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, root.GetProperty("search").ValueKind);
        Assert.StartsWith("What the data show", root.GetProperty("verdict").GetString());
    }

    [Fact]
    public void A_report_written_half_way_is_valid_and_says_how_far_the_job_is()
    {
        var dir = Write(SmallSweep.Folder(_root, 14), 51);
        var md = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.Contains("In progress (running): 14 of 51 trials done (27 %)", md);
        var html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("14 of 51 trials done", html);
        Assert.Equal(14, File.ReadAllLines(Path.Combine(dir, "results.csv")).Length - 1);
        foreach (var svg in Directory.GetFiles(dir, "*.svg")) new XmlDocument().Load(svg);   // well-formed
        foreach (var png in Directory.GetFiles(dir, "*.png")) Assert.Equal((byte)0x89, File.ReadAllBytes(png)[0]);

        var full = Write(SmallSweep.Folder(_root), 51);
        Assert.Contains("**Status:** Complete: 51 of 51 trials", File.ReadAllText(Path.Combine(full, "report.md")));
    }

    [Fact]
    public void A_report_is_a_pure_function_of_the_results()
    {
        var dir = Write(SmallSweep.Folder(_root), 51);
        string[] files = ["report.md", "results.csv", "curves.csv", "factors.csv"];   // ScottPlot's SVG ids differ per render
        var first = files.Select(f => File.ReadAllText(Path.Combine(dir, f))).ToList();
        Write(dir, 51);
        Assert.Equal(first, files.Select(f => File.ReadAllText(Path.Combine(dir, f))));
    }

    [Fact]
    public void Cells_mark_the_best_include_the_baselines_and_the_verdict_names_both_optimizers()
    {
        var report = ReportFolder.Render(SmallSweep.Folder(_root), Progress(51, 51));
        Assert.Single(report.Cells, c => c.IsBest);
        Assert.Equal(report.Cells.Max(c => c.Validation.Mean), report.Cells.Single(c => c.IsBest).Validation.Mean);
        Assert.Contains(report.Cells, c => c.IsBaseline && c.Label == "gaussian-shared (closed form)");
        Assert.Equal(17, report.Cells.Count);   // 2 trained models × 2 × 2 × 2 cells + 1 baseline
        var lecture = Assert.IsType<LectureAnswer>(report.Lecture);
        Assert.Equal(("adam", "sgdm"), (lecture.Adam, lecture.Sgdm));
        Assert.Equal(24, lecture.Pairs);   // 2 models × 2 schedules × 2 warm-ups × 3 seeds, matched by all but the optimizer
        Assert.StartsWith("What the data show, over 24 matched pairs", lecture.Sentence);
        Assert.Matches("(adam|sgdm) is ahead on training|neither is clearly ahead on training", lecture.Sentence);   // a statement of the data, whichever way they go
        Assert.Equal(lecture.AdamTrain.Mean - lecture.SgdmTrain.Mean, lecture.TrainDifference.Mean, 9);
        Assert.All(report.Cells, c => Assert.Equal(3, c.Seeds));
    }

    [Fact]
    public void Text_from_data_in_an_error_is_no_markup_in_report_md_or_report_html()
    {
        var dir = SmallSweep.Folder(_root, 2);
        const string error = "cannot read 'x<script>alert(1)</script>|y' in column colour";
        var failed = File.ReadAllLines(Path.Combine(dir, "results.jsonl")).Select(l => Experiments.Results.ResultJson.Parse(l) with
        {
            Outcome = Experiments.Results.TrialOutcome.Failed, Error = error, Epochs = [],
            TrainAccuracy = double.NaN, ValidationAccuracy = double.NaN, TestAccuracy = double.NaN, BestEpoch = null,
        }).ToList();
        File.WriteAllLines(Path.Combine(dir, "results.jsonl"), failed.Select(Experiments.Results.ResultJson.Line));
        ReportFolder.Render(dir, new JobProgress(2, 2, 0, JobState.Failed));
        var md = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.DoesNotContain("<script>", md);
        Assert.Contains("x&lt;script&gt;alert(1)&lt;/script&gt;\\|y", md);
        Assert.DoesNotContain("<script>alert", File.ReadAllText(Path.Combine(dir, "report.html")));
    }

    [Fact]
    public void Every_report_renders_when_every_trial_failed_with_a_failures_section_and_a_red_banner()
    {
        var dir = SmallSweep.Folder(_root, 6);
        var failed = File.ReadAllLines(Path.Combine(dir, "results.jsonl")).Select(l => Experiments.Results.ResultJson.Parse(l) with
        {
            Outcome = Experiments.Results.TrialOutcome.Failed, Error = "failed on 3 attempts (node faults); last: cache not writable", Epochs = [],
            TrainAccuracy = double.NaN, ValidationAccuracy = double.NaN, TestAccuracy = double.NaN, BestEpoch = null,
        }).ToList();
        File.WriteAllLines(Path.Combine(dir, "results.jsonl"), failed.Select(Experiments.Results.ResultJson.Line));
        File.WriteAllLines(Path.Combine(dir, "telemetry.jsonl"), failed.Select(r => Experiments.Results.ResultJson.Telemetry(new(r.Key, "10.0.0.3:4053", 0, 3,
            [new(1, "10.0.0.3:4053", "IOException: cache not writable"), new(2, "10.0.0.3:4053", "IOException: cache not writable")]))));
        var report = ReportFolder.Render(dir, new JobProgress(6, 6, 0, JobState.Failed));
        Assert.Equal(6, report.FailedTrials);
        Assert.Equal(12, report.NodeFaults);
        var md = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.Contains("Complete with failures: 6 of 6 trials (6 failed, 0 diverged)", md);
        Assert.Contains("## Failures", md);
        Assert.Contains("| 10.0.0.3:4053 | 2 | node fault; retried | IOException: cache not writable |", md);
        Assert.Contains("| 3 | the trial failed | failed on 3 attempts (node faults); last: cache not writable |", md);
        var html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("class=\"status failed\"", html);
        Assert.Contains("id=\"failures\"", html);
        Assert.Contains(",failed,", File.ReadAllText(Path.Combine(dir, "results.csv")));
        Assert.Contains("cache not writable", File.ReadAllText(Path.Combine(dir, "results.csv")));
    }

    [Fact]
    public void Telemetry_is_matched_to_results_by_key_as_both_files_are_read_and_a_trial_without_a_line_has_none()
    {
        var dir = SmallSweep.Folder(_root, 6);
        var telemetry = File.ReadAllLines(Path.Combine(dir, "telemetry.jsonl")).Select(Experiments.Results.ResultJson.ParseTelemetry).ToList();
        // Lines for the second and fifth trial are missing, and one line names a trial that has no result.
        var kept = telemetry.Where((_, i) => i != 1 && i != 4).Select((t, i) => t with { Node = $"10.0.0.{i}:4053" }).ToList();
        kept.Insert(2, kept[1] with { Key = kept[1].Key + "0", Node = "10.9.9.9:1" });
        File.WriteAllLines(Path.Combine(dir, "telemetry.jsonl"), kept.Select(Experiments.Results.ResultJson.Telemetry));
        ReportFolder.Render(dir, Progress(6, 6));

        var rows = ReadCsv(Path.Combine(dir, "results.csv"));
        Assert.Equal(telemetry.Select(t => t.Key), rows.Select(r => r["key"]));
        Assert.Equal(["10.0.0.0:4053", "-", "10.0.0.1:4053", "10.0.0.2:4053", "-", "10.0.0.3:4053"], rows.Select(r => r["node"]));
        Assert.Equal("", rows[1]["seconds"]);
    }

    [Fact]
    public void A_node_fault_that_was_retried_is_named_in_the_report_though_no_trial_failed()
    {
        var dir = SmallSweep.Folder(_root, 4);
        var lines = File.ReadAllLines(Path.Combine(dir, "telemetry.jsonl"));
        var first = Experiments.Results.ResultJson.ParseTelemetry(lines[0]);
        lines[0] = Experiments.Results.ResultJson.Telemetry(first with { Attempt = 2, Faults = [new(1, "10.0.0.9:4053", "DataException: data file not available")] });
        File.WriteAllLines(Path.Combine(dir, "telemetry.jsonl"), lines);
        var report = ReportFolder.Render(dir, new JobProgress(4, 4, 0, JobState.Done));
        Assert.Equal((0, 1), (report.FailedTrials, report.NodeFaults));
        var html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("class=\"status ok\"", html);
        Assert.Contains("10.0.0.9:4053", html);
        Assert.Contains("DataException: data file not available", File.ReadAllText(Path.Combine(dir, "report.md")));
    }

    [Fact]
    public void Summaries_hold_no_curves_curves_csv_streams_every_epoch_and_figures_show_the_best_cells_of_many()
    {
        // 60 cells × 2 seeds of 30-epoch curves, written as a job's results.jsonl in key order.
        var dir = Directory.CreateDirectory(Path.Combine(_root, "many")).FullName;
        var lines = new List<string>();
        foreach (var (cell, seed) in Enumerable.Range(0, 60).SelectMany(c => new[] { 1, 2 }.Select(s => (c, s))).OrderBy(x => $"logistic|sgd(lr={x.c:000})|-|-|-|seed={x.s}", StringComparer.Ordinal))
        {
            var curve = Enumerable.Range(1, 30).Select(e => new Experiments.Results.EpochResult(e, e * 10L, 0.1, 0.5, 0.5 + cell / 200.0, 0.6, 0.5 + cell / 250.0, 0.1)).ToList();
            lines.Add(Experiments.Results.ResultJson.Line(new Experiments.Results.TrialResult($"logistic|sgd(lr={cell:000})|-|-|-|seed={seed}", "logistic", $"sgd(lr={cell:000})", null, null, null, seed,
                Experiments.Results.TrialOutcome.Completed, null, null, 0.5 + cell / 200.0, 0.5 + cell / 250.0, double.NaN, 0.5, 0.6, 30, null, curve)));
        }
        File.WriteAllLines(Path.Combine(dir, "results.jsonl"), lines);
        var report = ReportFolder.Render(dir, Progress(120, 120));
        var records = report.Results;
        Assert.All(records, r => Assert.Equal(30, r.EpochCount));   // the curve's length, not the curve
        Assert.Same(records[0].Levels, records[1].Levels);   // a cell's two seeds share its levels; their keys are made from them
        Assert.Same(records[0].Model, records[2].Model);     // repeated texts are held once
        Assert.Equal("logistic|sgd(lr=000)|-|-|-|seed=2", records[1].Key);

        Assert.Equal(120 * 30 + 1, File.ReadAllLines(Path.Combine(dir, "curves.csv")).Length);
        Assert.Equal(60, report.Cells.Count);
        var md = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.Contains($"Learning curves of the best {Rendering.Plots.CurveCells} of 60 trained cells", md);
        Assert.Contains($"Train vs validation accuracy: the best {Rendering.Plots.BarCells} of 60 cells", md);
        Assert.True(report.Cells[0].IsBest);
        Assert.Equal("logistic|sgd(lr=059)|-|-|-", report.Cells[0].Cell);   // the best cell first, as the figures take them
    }

    [Fact]
    public void The_lecture_s_question_is_asked_only_where_the_grid_compares_sgdm_with_adam_and_then_with_a_figure_of_its_own()
    {
        var full = SmallSweep.Folder(Path.Combine(_root, "both"));
        ReportFolder.Render(full);
        Assert.Contains("## Adam on training, SGDM on validation?", File.ReadAllText(Path.Combine(full, "report.md")));
        Assert.Contains("id=\"lecture\"", File.ReadAllText(Path.Combine(full, "report.html")));
        Assert.True(File.Exists(Path.Combine(full, "lecture-question.png")) && File.Exists(Path.Combine(full, "lecture-question.svg")));
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(full, "report.json"))))
            Assert.Equal(24, json.RootElement.GetProperty("lecture").GetProperty("pairs").GetInt32());

        var sgdmOnly = SmallSweep.Folder(Path.Combine(_root, "sgdm"));
        var results = Path.Combine(sgdmOnly, "results.jsonl");
        File.WriteAllLines(results, File.ReadAllLines(results).Where(l => !l.Contains("adam(", StringComparison.Ordinal)));
        var report = ReportFolder.Render(sgdmOnly);
        Assert.Null(report.Lecture);
        Assert.DoesNotContain("Adam on training", File.ReadAllText(Path.Combine(sgdmOnly, "report.md")));
        Assert.DoesNotContain("Adam on training", File.ReadAllText(Path.Combine(sgdmOnly, "report.html")));
        Assert.False(File.Exists(Path.Combine(sgdmOnly, "lecture-question.png")));
        using var none = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(sgdmOnly, "report.json")));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, none.RootElement.GetProperty("lecture").ValueKind);
    }
}
