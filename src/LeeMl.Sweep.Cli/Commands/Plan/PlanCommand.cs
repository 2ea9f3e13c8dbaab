using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Cli.Commands.Plan;

/// <summary><c>plan</c>: validates a spec and lists its trials; trains nothing.</summary>
public sealed class PlanCommand : ICommand
{
    public string Name => "plan";

    public string Summary => "validate a sweep spec and list its trials without training anything";

    public string Help => """
        Usage: leeml-sweep plan [SPEC.yaml|SPEC.json] [--count]

        Reads and validates the spec (default: the built-in lecture grid) and prints one trial key
        per line, then the count. Keys read model|optimizer|schedule|warmup|noise|seed=N, '-' for none.
          --count   print the count only
        A malformed spec gets one error with its file, line and path, and exit code 2.
        """;

    public int Run(ArgReader args, TextWriter stdout, TextWriter stderr)
    {
        string? file = null;
        var countOnly = false;
        while (args.HasMore)
        {
            var a = args.Next();
            if (a == "--count") countOnly = true;
            else if (a.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"unknown option '{a}'");
            else if (file is null) file = a;
            else throw new UsageException($"one spec at a time ('{a}')");
        }
        var spec = file is null ? DefaultSpec.Spec : SpecParser.ParseFile(file);
        var trials = Planner.Expand(spec);
        if (!countOnly)
            foreach (var t in trials) stdout.WriteLine(t.Key);
        stdout.WriteLine($"{trials.Count} trials in sweep '{spec.Name}' on {spec.Data}");
        return ExitCodes.Ok;
    }
}
