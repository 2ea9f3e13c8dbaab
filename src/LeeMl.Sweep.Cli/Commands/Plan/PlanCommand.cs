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
                for (long i = 0; i < plan.Count; i++) stdout.WriteLine(plan.At(i).Key);   // one at a time: a million trials never sit in memory
            stdout.WriteLine(sweep.Program is { } program
                ? $"{plan.Count} trials in sweep '{sweep.Name}', each running: {string.Join(' ', program.Command)}"
                : sweep.Function is { } function
                    ? $"{plan.Count} trials in sweep '{sweep.Name}', each evaluating {function.Name} in {function.Dimensions} dimensions"
                    : $"{plan.Count} trials in sweep '{sweep.Name}' on {sweep.Data}");
            if (sweep.Search.Method != Experiments.Search.SearchMethod.Grid)
                stdout.WriteLine($"search: {sweep.Search.Method.ToString().ToLowerInvariant()}, {sweep.Search.Samples} samples per cell and seed, seed {sweep.Search.Seed}");
            if (sweep.EarlyStopping is { } stopping)
                stdout.WriteLine($"early stopping: {stopping.Method.ToString().ToLowerInvariant()} on {stopping.Metric}, rungs at epochs {string.Join(", ", stopping.Rungs(sweep.Epochs))} of {sweep.Epochs}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
