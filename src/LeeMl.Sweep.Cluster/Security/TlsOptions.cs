using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Hosting;

namespace LeeMl.Sweep.Cluster.Security;

/// <summary>A certificate or CA file that cannot be used: one line says which and why.</summary>
public sealed class TlsConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// TLS between nodes with the cluster's own certificate authority and mutual authentication:
/// every side presents a certificate, and a peer is accepted only if its certificate chains to
/// <see cref="CaPath"/> — not to the machine's trust store, and not to anything else.
/// (Suppressing validation would accept any certificate at all.)
/// </summary>
public sealed record TlsOptions(string CertificatePath, string? Password, string CaPath)
{
    /// <summary>This side's certificate (with its key) and the cluster's authority.</summary>
    public (X509Certificate2 Certificate, X509Certificate2 Authority) Load()
    {
        if (!File.Exists(CertificatePath)) throw new TlsConfigurationException($"--tls-cert {CertificatePath}: file not found");
        if (!File.Exists(CaPath)) throw new TlsConfigurationException($"--tls-ca {CaPath}: file not found");
        X509Certificate2 certificate, ca;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(CertificatePath, Password, X509KeyStorageFlags.Exportable);
        }
        catch (CryptographicException e)
        {
            throw new TlsConfigurationException($"--tls-cert {CertificatePath}: not a PKCS#12 (.pfx) file, or the password (--tls-password, LEEML_TLS_PASSWORD) is wrong ({e.Message.TrimEnd('.')})", e);
        }
        if (!certificate.HasPrivateKey) throw new TlsConfigurationException($"--tls-cert {CertificatePath}: it holds no private key");
        try
        {
            ca = X509CertificateLoader.LoadCertificateFromFile(CaPath);
        }
        catch (CryptographicException e)
        {
            throw new TlsConfigurationException($"--tls-ca {CaPath}: not a certificate (PEM or DER) ({e.Message.TrimEnd('.')})", e);
        }
        return (certificate, ca);
    }

    /// <summary>The remoting's TLS: the certificate in memory, so that the custom validator is used.</summary>
    public SslOptions RemoteSsl()
    {
        var (certificate, ca) = Load();
        return new SslOptions
        {
            X509Certificate = certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            ValidateCertificateHostname = false,
            CustomValidator = (peer, _, remote, _, log) => SignedBy(ca, peer, remote, log),
        };
    }

    /// <summary>True when <paramref name="peer"/> chains to <paramref name="ca"/> alone.</summary>
    public static bool SignedBy(X509Certificate2 ca, X509Certificate2? peer, string? remote, ILoggingAdapter? log)
    {
        if (peer is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var ok = chain.Build(peer) && chain.ChainElements[^1].Certificate.Thumbprint == ca.Thumbprint;
        if (!ok) log?.Warning("rejected {0}: its certificate {1} is not signed by the cluster's authority", remote ?? "a peer", peer.Subject);
        return ok;
    }
}
