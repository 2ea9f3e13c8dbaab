using System.CommandLine;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Cli.Commands.Plan;

/// <summary><c>plan</c>: validates a spec and lists its trials; trains nothing.</summary>
public static class PlanCommand
{
    public static Command Create()
    {
        var spec = Options.Positional<string?>("SPEC", "the sweep spec, YAML or JSON [default: the built-in lecture grid]", ArgumentArity.ZeroOrOne);
        var count = Options.Flag("--count", "print the count only");
        var dataDir = Options.DataDir();
        var command = new Command("plan", "validate a sweep spec and list its trials without training anything")
        {
            spec, count, dataDir,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var file = parse.GetValue(spec);
            var sweep = file is null ? DefaultSpec.Spec : SpecParser.ParseFile(file);
            SpecData.Check(sweep, parse.GetValue(dataDir) ?? Environment.GetEnvironmentVariable("LEEML_DATA"), file);   // the data exist and parse
            var plan = new TrialPlan(sweep);
            if (!parse.GetValue(count))
                for (long i = 0; i < plan.Count; i++)   // one at a time: a million trials never sit in memory
                    stdout.WriteLine(plan.IsTpe ? Proposed(sweep, plan, i) : plan.At(i).Key);
            stdout.WriteLine(sweep.Program is { } program
                ? $"{plan.Count} trials in sweep '{sweep.Name}', each running: {string.Join(' ', program.Command)}"
                : sweep.Function is { } function
                    ? $"{plan.Count} trials in sweep '{sweep.Name}', each evaluating {function.Name} in {function.Dimensions} dimensions"
                    : $"{plan.Count} trials in sweep '{sweep.Name}' on {sweep.Data}");
            if (sweep.Search.Method != Experiments.Search.SearchMethod.Grid)
                stdout.WriteLine($"search: {sweep.Search.Method.ToString().ToLowerInvariant()}, {sweep.Search.Samples} samples per cell and seed, seed {sweep.Search.Seed}" +
                    (plan.IsTpe ? $", parallelism {sweep.Search.Parallelism} (sample k learns from the results of samples 0 to k-{sweep.Search.Parallelism + 1}; its values are proposed during the job)" : ""));
            if (sweep.EarlyStopping is { } stopping)
                stdout.WriteLine($"early stopping: {stopping.Method.ToString().ToLowerInvariant()} on {stopping.Metric}, rungs at epochs {string.Join(", ", stopping.Rungs(sweep.Epochs))} of {sweep.Epochs}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A TPE trial before the job: its cell's distributions, which sample and which seed (its values come from the results before it).</summary>
    private static string Proposed(Experiments.Specs.SweepSpec sweep, TrialPlan plan, long index)
    {
        var (cell, sample, seed) = plan.TpeSlot(index);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{plan.TpeCellText(cell)}|sample={sample}|seed={sweep.Seeds[seed]}");
    }
}
