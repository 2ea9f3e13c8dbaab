using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LeeMl.Sweep.Cluster.Security;

/// <summary>Who a certificate speaks for: a node joins the cluster; a client only calls the HTTP API.</summary>
public enum CertificateRole { None, Node, Client }

/// <summary>
/// The cluster's own certificate authority and the certificates it signs. The role is written
/// twice and checked both times: in the subject (OU=node or OU=client) and in the extended key
/// usage (a node's certificate serves and connects, a client's only connects). Keys are ECDSA
/// P-256; nothing here touches the machine's trust store.
/// </summary>
public static class ClusterCertificates
{
    private const string Organization = "leeml-sweep";
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    public static X509Certificate2 CreateAuthority(DateTimeOffset now, int years = 10)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={Organization} cluster CA, O={Organization}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(years));
    }

    /// <summary>A certificate of <paramref name="role"/> signed by <paramref name="authority"/> (which holds its key); a node's names the hosts it is reached by.</summary>
    public static X509Certificate2 Issue(X509Certificate2 authority, CertificateRole role, string name, IReadOnlyList<string> hosts, DateTimeOffset now, int years = 2)
    {
        if (role == CertificateRole.None) throw new ArgumentException("a certificate is for a node or a client", nameof(role));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ou = role == CertificateRole.Node ? "node" : "client";
        var request = new CertificateRequest(new X500DistinguishedNameBuilder().Build(name, ou, Organization), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(role == CertificateRole.Node ? [ServerAuth, ClientAuth] : [ClientAuth], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        if (role == CertificateRole.Node)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (var host in hosts.Distinct(StringComparer.OrdinalIgnoreCase))
                if (IPAddress.TryParse(host, out var ip)) names.AddIpAddress(ip); else names.AddDnsName(host);
            request.CertificateExtensions.Add(names.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;   // a positive serial number
        var notAfter = now.AddYears(years) < authority.NotAfter ? now.AddYears(years) : new DateTimeOffset(authority.NotAfter);
        using var signed = request.Create(authority, now.AddMinutes(-5), notAfter, serial);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>The role the certificate was issued for; <see cref="CertificateRole.None"/> unless subject and key usage agree.</summary>
    public static CertificateRole RoleOf(X509Certificate2 certificate)
    {
        var ou = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => r.GetSingleElementType().Value == "2.5.4.11").Select(r => r.GetSingleElementValue()).ToList();
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>()).Select(o => o.Value).ToHashSet();
        return ou switch
        {
            ["node"] when usages.Contains(ServerAuth.Value) && usages.Contains(ClientAuth.Value) => CertificateRole.Node,
            ["client"] when usages.Contains(ClientAuth.Value) && !usages.Contains(ServerAuth.Value) => CertificateRole.Client,
            _ => CertificateRole.None,
        };
    }

    private static X500DistinguishedName Build(this X500DistinguishedNameBuilder builder, string cn, string ou, string o)
    {
        builder.AddOrganizationName(o);
        builder.AddOrganizationalUnitName(ou);
        builder.AddCommonName(cn);
        return builder.Build();
    }
}
