using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>
/// TLS between nodes (and clients) with the cluster's own certificate authority and mutual
/// authentication: every side presents a certificate, and a peer is accepted only if its
/// certificate chains to <see cref="CaPath"/> — not to the machine's trust store, and not to
/// anything else. (Suppressing validation would accept any certificate at all.)
/// </summary>
public sealed record TlsOptions(string CertificatePath, string? Password, string CaPath)
{
    public DotNettySslSetup Setup()
    {
        if (!File.Exists(CertificatePath)) throw new FileNotFoundException($"TLS certificate {CertificatePath} not found", CertificatePath);
        if (!File.Exists(CaPath)) throw new FileNotFoundException($"TLS certificate authority {CaPath} not found", CaPath);
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(CertificatePath, Password, X509KeyStorageFlags.Exportable);
        var ca = X509CertificateLoader.LoadCertificateFromFile(CaPath);
        return new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true,
            validateCertificateHostname: false, customValidator: (peer, _, remote, _, log) => SignedBy(ca, peer, remote, log));
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
