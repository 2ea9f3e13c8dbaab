using System.CommandLine;
using LeeMl.Sweep.Cli.Client;
using LeeMl.Sweep.Cli.Commands.Node;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>How a client command reaches a cluster: --cluster and --timeout, defined once for all of them.</summary>
public sealed class ClusterOptionSet
{
    public Option<string[]> Cluster { get; } = new("--cluster")
    {
        Description = "the HTTP API of one or more coordinator-role nodes (node --http), HOST:PORT[,HOST:PORT...]; when one does not answer the next is tried",
        HelpName = "H:P[,H:P...]",
        Required = true,
        CustomParser = r => [.. r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Select(e =>
        {
            try { return NodeCommand.Endpoint(e); }
            catch (UsageException ex) { r.AddError(ex.Message); return e; }
        })],
    };

    public Option<int> Timeout { get; } = Options.WholeNumber("--timeout", "seconds to wait for each answer from a node", 15, min: 1, helpName: "S");

    public void AddTo(Command command)
    {
        command.Add(Cluster);
        command.Add(Timeout);
    }

    public SweepHttpClient Connect(ParseResult parse) => new(parse.GetValue(Cluster)!, TimeSpan.FromSeconds(parse.GetValue(Timeout)));

    /// <summary>Connects, runs the call, and turns "no node answered" into one line and exit code 1.</summary>
    public int Call(ParseResult parse, Func<SweepHttpClient, Task<int>> call)
    {
        using var client = Connect(parse);
        try
        {
            return call(client).GetAwaiter().GetResult();
        }
        catch (ClusterUnavailableException e)
        {
            parse.InvocationConfiguration.Error.WriteLine($"leeml-sweep {parse.CommandResult.Command.Name}: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
