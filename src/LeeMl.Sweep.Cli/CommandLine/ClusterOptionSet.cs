using System.CommandLine;
using LeeMl.Sweep.Cli.Client;
using LeeMl.Sweep.Cli.Commands.Node;
using LeeMl.Sweep.Cluster.Security;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>How a client command reaches a cluster: --cluster and --timeout, defined once for all of them.</summary>
/// <param name="required">Whether the command always talks to a cluster (else only for some of its arguments, and says when).</param>
public sealed class ClusterOptionSet(bool required = true)
{
    public Option<string[]> Cluster { get; } = new("--cluster")
    {
        Description = "the HTTP API of one or more coordinator-role nodes (node --http), HOST:PORT[,HOST:PORT...]; when one does not answer the next is tried"
            + (required ? "" : " [default: none; needed only for job ids]"),
        HelpName = "H:P[,H:P...]",
        Required = required,
        CustomParser = r => [.. r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Select(e =>
        {
            try { return NodeCommand.Endpoint(e); }
            catch (UsageException ex) { r.AddError(ex.Message); return e; }
        })],
    };

    public Option<int> Timeout { get; } = Options.WholeNumber("--timeout", "seconds to wait for each answer from a node", 15, min: 1, helpName: "S");

    public TlsOptionSet Tls { get; } = new();

    public Option<bool> Insecure { get; } = Options.Insecure();

    public void AddTo(Command command)
    {
        command.Add(Cluster);
        command.Add(Timeout);
        Tls.AddTo(command);
        command.Add(Insecure);
    }

    /// <summary>A client of the nodes given: TLS with a client (or node) certificate when given, and only to loopback without it unless --insecure.</summary>
    public SweepHttpClient Connect(ParseResult parse)
    {
        var endpoints = parse.GetValue(Cluster)!;
        var tls = TlsOptionSet.From(
            parse.GetValue(Tls.Cert) ?? Environment.GetEnvironmentVariable("LEEML_TLS_CERT"),
            parse.GetValue(Tls.Password) ?? Environment.GetEnvironmentVariable("LEEML_TLS_PASSWORD"),
            parse.GetValue(Tls.Ca) ?? Environment.GetEnvironmentVariable("LEEML_TLS_CA"))?.Load(CertificateRole.Client);
        var insecure = parse.GetValue(Insecure);
        if (Exposure.Refusal(endpoints.Select(e => ("--cluster", Exposure.HostOf(e))), tls is not null, insecure, node: false) is { } refusal)
            throw new UsageException(refusal);
        if (insecure && tls is null) parse.InvocationConfiguration.Error.WriteLine(Exposure.InsecureWarning("this client"));
        return new(endpoints, TimeSpan.FromSeconds(parse.GetValue(Timeout)), tls);
    }

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
            parse.InvocationConfiguration.Error.WriteLine($"{string.Join(' ', CliApp.Path(parse.CommandResult.Command).Prepend(CliApp.Name))}: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
