using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Hosting;

namespace LeeMl.Sweep.Cluster.Security;

/// <summary>A certificate or CA file that cannot be used: one line says which and why.</summary>
public sealed class TlsConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Where this side's certificate (PKCS#12, with its key) and the cluster's authority are, as given on the command line.</summary>
public sealed record TlsOptions(string CertificatePath, string? Password, string CaPath)
{
    /// <summary>Reads both files and checks that the certificate is of <paramref name="role"/> (or a node's, for a client) and signed by the authority.</summary>
    public ClusterTls Load(CertificateRole role)
    {
        if (!File.Exists(CertificatePath)) throw new TlsConfigurationException($"--tls-cert {CertificatePath}: file not found");
        if (!File.Exists(CaPath)) throw new TlsConfigurationException($"--tls-ca {CaPath}: file not found");
        X509Certificate2 certificate, ca;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(CertificatePath, Password, X509KeyStorageFlags.Exportable);
        }
        catch (CryptographicException)
        {
            throw new TlsConfigurationException(Password is null
                ? $"--tls-cert {CertificatePath}: not a PKCS#12 (.pfx) file, or it needs a password (--tls-password, LEEML_TLS_PASSWORD)"
                : $"--tls-cert {CertificatePath}: not a PKCS#12 (.pfx) file, or the password (--tls-password, LEEML_TLS_PASSWORD) is wrong");
        }
        if (!certificate.HasPrivateKey) throw new TlsConfigurationException($"--tls-cert {CertificatePath}: it holds no private key");
        try
        {
            ca = X509CertificateLoader.LoadCertificateFromFile(CaPath);
        }
        catch (CryptographicException)
        {
            throw new TlsConfigurationException($"--tls-ca {CaPath}: not a certificate (PEM or DER); give the cluster's ca.crt");
        }
        var tls = new ClusterTls(certificate, ca);
        var mine = ClusterCertificates.RoleOf(certificate);
        if (role == CertificateRole.Node && mine != CertificateRole.Node)
            throw new TlsConfigurationException($"--tls-cert {CertificatePath}: {(mine == CertificateRole.Client ? "a client certificate" : "not a node certificate of this cluster")}; a node needs a node certificate (leeml-sweep certs node)");
        if (role == CertificateRole.Client && mine == CertificateRole.None)
            throw new TlsConfigurationException($"--tls-cert {CertificatePath}: not a client or node certificate of this cluster (leeml-sweep certs client)");
        if (!tls.SignedByAuthority(certificate))
            throw new TlsConfigurationException($"--tls-cert {CertificatePath} is not signed by --tls-ca {CaPath}");
        return tls;
    }
}

/// <summary>
/// TLS with the cluster's own authority and mutual authentication: every side presents a
/// certificate, and a peer is accepted only if its certificate chains to <see cref="Authority"/>
/// — not to the machine's trust store — and is of the role its place allows: only node
/// certificates join the cluster; node or client certificates call the HTTP API.
/// </summary>
public sealed class ClusterTls(X509Certificate2 certificate, X509Certificate2 authority)
{
    public X509Certificate2 Certificate { get; } = certificate;

    public X509Certificate2 Authority { get; } = authority;

    public bool SignedByAuthority(X509Certificate2? peer)
    {
        if (peer is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(peer) && chain.ChainElements[^1].Certificate.Thumbprint == Authority.Thumbprint;
    }

    /// <summary>Null when <paramref name="peer"/> may take one of <paramref name="roles"/>; else why not.</summary>
    public string? Refusal(X509Certificate2? peer, params CertificateRole[] roles)
    {
        if (peer is null) return "it presented no certificate";
        if (!SignedByAuthority(peer)) return $"its certificate ({peer.Subject}) is not signed by the cluster's authority";
        var role = ClusterCertificates.RoleOf(peer);
        return roles.Contains(role) ? null
            : role == CertificateRole.Client ? $"its certificate ({peer.Subject}) is a client certificate, which cannot join the cluster"
            : $"its certificate ({peer.Subject}) is not for this use";
    }

    /// <summary>The remoting's TLS: the certificate in memory, so that the custom validator is used, and only node certificates accepted.</summary>
    public SslOptions RemoteSsl() => new()
    {
        X509Certificate = Certificate,
        SuppressValidation = false,
        RequireMutualAuthentication = true,
        ValidateCertificateHostname = false,
        CustomValidator = (peer, _, remote, _, log) => Accepts(peer, remote, log),
    };

    private bool Accepts(X509Certificate2? peer, string? remote, ILoggingAdapter? log)
    {
        var refusal = Refusal(peer, CertificateRole.Node);
        if (refusal is not null) log?.Warning("refused a connection from {0}: {1}", remote ?? "a peer", refusal);
        return refusal is null;
    }
}
