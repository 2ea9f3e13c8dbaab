using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text.RegularExpressions;
using LeeMl.Sweep.Cli.Commands.Cancel;
using LeeMl.Sweep.Cli.Commands.Certs;
using LeeMl.Sweep.Cli.Commands.Completion;
using LeeMl.Sweep.Cli.Commands.Fetch;
using LeeMl.Sweep.Cli.Commands.Fit;
using LeeMl.Sweep.Cli.Commands.Node;
using LeeMl.Sweep.Cli.Commands.Plan;
using LeeMl.Sweep.Cli.Commands.Report;
using LeeMl.Sweep.Cli.Commands.Run;
using LeeMl.Sweep.Cli.Commands.Status;
using LeeMl.Sweep.Cli.Commands.Submit;
using LeeMl.Sweep.Cli.Commands.Trace;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Text;
using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>
/// The leeml-sweep command line (System.CommandLine): help generated from the definitions,
/// <c>--option value</c> and <c>--option=value</c>, response files (<c>@FILE</c>), the
/// <c>[suggest]</c> completion directive, <c>--version</c>. Bad input of any kind is one line on
/// stderr naming the command, a typo suggestion where there is a close name, and exit code 2.
/// </summary>
public static partial class CliApp
{
    public const string Name = "leeml-sweep";

    public static RootCommand Build()
    {
        var root = new RootCommand("A distributed hyperparameter sweeper for the optimizers and classifiers of Hung-yi Lee's lecture.\n" +
            "Exit codes: 0 done, 1 the work failed or the cluster did not answer, 2 bad input (nothing written), 3 nothing to do (cancel of a job that had already ended).");
        Command[] commands =
        [
            RunCommand.Create(), PlanCommand.Create(), NodeCommand.Create(), SubmitCommand.Create(), StatusCommand.Create(),
            CancelCommand.Create(), .. Commands.Change.ChangeCommands.Create(), Commands.Logs.LogsCommand.Create(), FetchCommand.Create(), Commands.Compare.CompareCommand.Create(), CertsCommand.Create(), ReportCommand.Create(), FitCommand.Create(), TraceCommand.Create(), CompletionCommand.Create(),
        ];
        foreach (var command in commands)
            root.Add(command);
        return root;
    }

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var root = Build();
        if (args.Count == 0)
        {
            // No command: the overview, on stderr because nothing was asked for.
            root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = stderr, Error = stderr });
            return ExitCodes.BadInput;
        }
        var parse = root.Parse(args);
        var command = parse.CommandResult.Command;
        var who = string.Join(' ', Path(command).Prepend(Name));
        if (parse.Action is ParseErrorAction || (parse.Errors.Count > 0 && parse.Action is not HelpAction))
        {
            stderr.WriteLine($"{who}: {Describe(parse, root)}");
            stderr.WriteLine($"(see: {who} --help)");
            return ExitCodes.BadInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is UsageException or HyperparameterException or DataException or SpecException or Cluster.Security.TlsConfigurationException)
        {
            stderr.WriteLine($"{who}: {Printable.Escape(e.Message)}");
            stderr.WriteLine($"(see: {who} --help)");
            return ExitCodes.BadInput;
        }
        catch (LeeMl.Sweep.Store.StoreException e)
        {
            stderr.WriteLine($"{who}: {Printable.Escape(e.Message)}");
            return e.InnerException is null ? ExitCodes.BadInput : ExitCodes.Failed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"{who}: {Printable.Escape(e.Message)}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>The command's words after the program's name ("certs init").</summary>
    public static IEnumerable<string> Path(Command command)
    {
        var words = new List<string>();
        for (Symbol? c = command; c is Command { } cmd and not RootCommand; c = cmd.Parents.FirstOrDefault()) words.Insert(0, cmd.Name);
        return words;
    }

    [GeneratedRegex("^unknown option '(?<token>.+)'$")]
    private static partial Regex UnknownOption();

    /// <summary>The first problem, in one line, with the closest known name when a token is a typo.</summary>
    private static string Describe(ParseResult parse, RootCommand root)
    {
        var command = parse.CommandResult.Command;
        // A mistyped option taken for a positional argument is reported by the argument's validator.
        foreach (var error in parse.Errors)
            if (UnknownOption().Match(error.Message) is { Success: true } m)
                return error.Message + Typos.DidYouMean(m.Groups["token"].Value, OptionNames(command));
        if (parse.UnmatchedTokens.Count > 0)
        {
            var token = parse.UnmatchedTokens[0];
            if (command == root && !token.StartsWith('-'))
            {
                var hint = Typos.DidYouMean(token, root.Subcommands.Select(c => c.Name));
                return $"unknown command '{Printable.Escape(token)}'" + (hint.Length > 0 ? hint : $"; commands: {string.Join(", ", root.Subcommands.Select(c => c.Name))}");
            }
            if (token.StartsWith('-'))
                return $"unknown option '{Printable.Escape(token)}'{Typos.DidYouMean(token, OptionNames(command))}";
            return $"unexpected argument '{Printable.Escape(token)}'";
        }
        if (command == root) return "give a command: " + string.Join(", ", root.Subcommands.Select(c => c.Name));
        // A missing positional argument first: it is what the usage line shows first.
        var first = parse.Errors.FirstOrDefault(e => MissingArgument().IsMatch(e.Message)) ?? parse.Errors[0];
        return Printable.Escape(Plain(first.Message, command));
    }

    [GeneratedRegex("^Option '(?<option>[^']+)' is required\\.?$")]
    private static partial Regex RequiredOption();

    [GeneratedRegex("^Required argument missing for option: '(?<option>[^']+)'\\.?$")]
    private static partial Regex MissingValue();

    [GeneratedRegex("^Required argument '(?<argument>[^']+)' missing for command: '[^']+'\\.?$")]
    private static partial Regex MissingArgument();

    /// <summary>The parser's own messages in the words the rest of the program uses.</summary>
    private static string Plain(string message, Command command)
    {
        if (RequiredOption().Match(message) is { Success: true } o) return $"{o.Groups["option"].Value} is required";
        if (MissingValue().Match(message) is { Success: true } v) return $"{v.Groups["option"].Value} needs a value";
        if (MissingArgument().Match(message) is { Success: true } a)
        {
            var name = a.Groups["argument"].Value;
            var argument = command.Arguments.FirstOrDefault(x => x.Name == name);
            return $"give the {name}{(argument?.Description is { Length: > 0 } d ? $" ({d})" : "")}";
        }
        return message.TrimEnd('.');
    }

    private static IEnumerable<string> OptionNames(Command command) =>
        command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive)))
            .SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal)).Distinct();
}
