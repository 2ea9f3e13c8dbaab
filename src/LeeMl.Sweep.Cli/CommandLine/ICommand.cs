namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>One verb of the CLI.</summary>
public interface ICommand
{
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>The full --help text.</summary>
    string Help { get; }

    /// <summary>Runs with the arguments after the verb; throws <see cref="UsageException"/> on bad input.</summary>
    int Run(ArgReader args, TextWriter stdout, TextWriter stderr);
}
