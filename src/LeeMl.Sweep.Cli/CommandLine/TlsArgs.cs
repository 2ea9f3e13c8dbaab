using LeeMl.Sweep.Cluster.Hosting;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>The TLS options every networked command shares; all three or none.</summary>
public sealed class TlsArgs
{
    private string? _cert, _password, _ca;

    public const string Help = """
          --tls-cert FILE      this node's (or client's) certificate and key, PKCS#12 (.pfx), signed by the
                               cluster's CA (default: $LEEML_TLS_CERT)
          --tls-password PW    the .pfx password (default: $LEEML_TLS_PASSWORD)
          --tls-ca FILE        the cluster's certificate authority (PEM); only peers it signed are accepted
                               (default: $LEEML_TLS_CA)
        """;

    /// <summary>Consumes the option if it is a TLS one.</summary>
    public bool TryRead(string option, ArgReader args)
    {
        switch (option)
        {
            case "--tls-cert": _cert = args.Value(option); return true;
            case "--tls-password": _password = args.Value(option); return true;
            case "--tls-ca": _ca = args.Value(option); return true;
            default: return false;
        }
    }

    public TlsOptions? Build()
    {
        // Flags first, then the environment (handy in containers and systemd units); empty means off.
        _cert ??= Environment.GetEnvironmentVariable("LEEML_TLS_CERT") is { Length: > 0 } c ? c : null;
        _ca ??= Environment.GetEnvironmentVariable("LEEML_TLS_CA") is { Length: > 0 } a ? a : null;
        if (_cert is null && _ca is null) return null;
        if (_cert is null || _ca is null) throw new UsageException("TLS needs both --tls-cert and --tls-ca");
        if (!File.Exists(_cert)) throw new UsageException($"--tls-cert {_cert}: file not found");
        if (!File.Exists(_ca)) throw new UsageException($"--tls-ca {_ca}: file not found");
        return new TlsOptions(_cert, _password ?? Environment.GetEnvironmentVariable("LEEML_TLS_PASSWORD"), _ca);
    }
}
