using System.CommandLine;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Security;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>The TLS options every networked command shares, defined once: all of them or none.</summary>
public sealed class TlsOptionSet
{
    public Option<string?> Cert { get; } = new("--tls-cert")
    {
        Description = "this node's (or client's) certificate and key, PKCS#12 (.pfx), signed by the cluster's CA [default: $LEEML_TLS_CERT]",
        HelpName = "FILE",
    };

    public Option<string?> Password { get; } = new("--tls-password")
    {
        Description = "the .pfx password [default: $LEEML_TLS_PASSWORD, else none]",
        HelpName = "PW",
    };

    public Option<string?> Ca { get; } = new("--tls-ca")
    {
        Description = "the cluster's certificate authority (PEM); only peers it signed are accepted [default: $LEEML_TLS_CA]",
        HelpName = "FILE",
    };

    public void AddTo(Command command)
    {
        command.Add(Cert);
        command.Add(Password);
        command.Add(Ca);
    }

    /// <summary>TLS from bound settings: all three or none.</summary>
    public static TlsOptions? From(NodeSettings s) => From(s.TlsCert, s.TlsPassword, s.TlsCa);

    public static TlsOptions? From(string? cert, string? password, string? ca)
    {
        if (cert is null && ca is null) return null;
        if (cert is null || ca is null) throw new UsageException("TLS needs both --tls-cert and --tls-ca");
        if (!File.Exists(cert)) throw new UsageException($"--tls-cert {cert}: file not found");
        if (!File.Exists(ca)) throw new UsageException($"--tls-ca {ca}: file not found");
        return new TlsOptions(cert, password, ca);
    }
}
