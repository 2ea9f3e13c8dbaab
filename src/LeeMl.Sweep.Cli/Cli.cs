using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cli.Commands.Cancel;
using LeeMl.Sweep.Cli.Commands.Fit;
using LeeMl.Sweep.Cli.Commands.Node;
using LeeMl.Sweep.Cli.Commands.Plan;
using LeeMl.Sweep.Cli.Commands.Report;
using LeeMl.Sweep.Cli.Commands.Run;
using LeeMl.Sweep.Cli.Commands.Status;
using LeeMl.Sweep.Cli.Commands.Submit;
using LeeMl.Sweep.Cli.Commands.Trace;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Cli;

/// <summary>Dispatches to a command, prints --help, and turns bad input into one line and exit code 2.</summary>
public static class Cli
{
    private static readonly ICommand[] Commands =
    [
        new RunCommand(), new PlanCommand(), new NodeCommand(), new SubmitCommand(), new StatusCommand(), new CancelCommand(), new ReportCommand(),
        new FitCommand(), new TraceCommand(),
    ];

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count == 0 || ArgReader.IsHelp(args[0]))
        {
            (args.Count == 0 ? stderr : stdout).Write(Overview());
            return args.Count == 0 ? ExitCodes.BadInput : ExitCodes.Ok;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            stderr.WriteLine($"leeml-sweep: unknown command '{args[0]}'; commands: {string.Join(", ", Commands.Select(c => c.Name))}");
            return ExitCodes.BadInput;
        }
        var rest = args.Skip(1).ToArray();
        if (rest.Any(ArgReader.IsHelp))
        {
            stdout.Write(command.Help);
            return ExitCodes.Ok;
        }
        try
        {
            return command.Run(new ArgReader(rest), stdout, stderr);
        }
        catch (Exception e) when (e is UsageException or HyperparameterException or DataException or SpecException)
        {
            stderr.WriteLine($"leeml-sweep {command.Name}: {e.Message}");
            stderr.WriteLine($"(see: leeml-sweep {command.Name} --help)");
            return ExitCodes.BadInput;
        }
        catch (IOException e)
        {
            stderr.WriteLine($"leeml-sweep {command.Name}: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    private static string Overview() =>
        "leeml-sweep: a distributed hyperparameter sweeper for the optimizers and classifiers of Hung-yi Lee's lecture.\n\n" +
        "Commands:\n" +
        string.Concat(Commands.Select(c => $"  {c.Name,-8} {c.Summary}\n")) +
        "\nRun 'leeml-sweep COMMAND --help' for a command's options.\n" +
        "Exit codes: 0 done, 1 the work failed, 2 bad input (nothing written).\n";
}
