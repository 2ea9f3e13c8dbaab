using LeeMl.Sweep.Cluster.Security;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace LeeMl.Sweep.Cli.Network;

/// <summary>
/// Tells why a TLS connection to a peer cannot work, in words, instead of a silent retry loop:
/// one handshake says whether the peer speaks TLS at all, whether its certificate is of our
/// authority, and whether it accepted ours. Nothing is sent after the handshake.
/// </summary>
public static class TlsProbe
{
    private static readonly TimeSpan Handshake = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Verdict = TimeSpan.FromSeconds(1.5);

    public enum Outcome
    {
        /// <summary>Nothing answers there (yet), or it said nothing we could judge.</summary>
        Unknown,
        /// <summary>The peer does not speak TLS.</summary>
        Plain,
        /// <summary>The peer speaks TLS (and we did not offer a certificate).</summary>
        Tls,
        /// <summary>The peer's certificate is not signed by our authority.</summary>
        ForeignPeer,
        /// <summary>The peer closed the connection after seeing our certificate.</summary>
        RefusedUs,
        /// <summary>The handshake completed both ways.</summary>
        Accepted,
    }

    /// <summary>One handshake with <paramref name="host"/>:<paramref name="port"/>, as <paramref name="tls"/> (null: without a certificate).</summary>
    public static async Task<Outcome> Try(string host, int port, ClusterTls? tls, CancellationToken cancel = default)
    {
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(host, port, cancel).AsTask().WaitAsync(Handshake, cancel);
        }
        catch (Exception e) when (e is SocketException or TimeoutException or OperationCanceledException)
        {
            return Outcome.Unknown;
        }
        X509Certificate2? seen = null;
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                seen = certificate is null ? null : new X509Certificate2(certificate);
                return true;   // judged below: the probe only looks
            },
            ClientCertificates = tls is null ? null : [tls.Certificate],
        };
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancel).WaitAsync(Handshake, cancel);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or TimeoutException or OperationCanceledException)
        {
            if (seen is null) return e is TimeoutException or OperationCanceledException ? Outcome.Unknown : Outcome.Plain;
            if (tls is null) return Outcome.Tls;
            return tls.SignedByAuthority(seen) ? Outcome.RefusedUs : Outcome.ForeignPeer;
        }
        if (seen is null) return Outcome.Unknown;
        if (tls is null) return Outcome.Tls;
        if (!tls.SignedByAuthority(seen)) return Outcome.ForeignPeer;
        // TLS 1.3 checks the client's certificate after the client has finished: a refusal arrives as an alert on the first read.
        try
        {
            var one = new byte[1];
            var read = await ssl.ReadAsync(one, cancel).AsTask().WaitAsync(Verdict, cancel);
            return read == 0 ? Outcome.RefusedUs : Outcome.Accepted;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            return Outcome.Accepted;
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            return Outcome.RefusedUs;
        }
    }
}
