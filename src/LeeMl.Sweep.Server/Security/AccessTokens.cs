using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace LeeMl.Sweep.Server.Security;

/// <summary>What a token allows: a viewer reads (the dashboard, status, results); an operator also cancels and submits.</summary>
public enum TokenRole { Viewer, Operator }

/// <summary>Who a token names, what it allows, until when, its id (what <c>certs revoke</c> names; random when issued), and the cluster it is for.</summary>
public sealed record TokenClaims(string Name, TokenRole Role, DateTimeOffset Expires, string Id = "", string Cluster = AccessTokens.DefaultCluster);

/// <summary>
/// Access tokens for people in a browser, where a client certificate is awkward: made by
/// <c>certs token</c> with the cluster authority's private key, checked by every node with the
/// authority's certificate it already has — no state, nothing shared beside ca.crt. The text is
/// <c>lmt1.PAYLOAD.SIGNATURE</c> (base64url): PAYLOAD is JSON with the name, role, expiry and a
/// random id, SIGNATURE its ECDSA P-256 / SHA-256 signature. A token is revoked by its id, which
/// the store keeps until the token would have expired (see TokenRevocations).
/// </summary>
public static class AccessTokens
{
    private const string Prefix = "lmt1.";

    public const int MaxLength = 2048;

    /// <summary>The cluster name of nodes and tokens unless <c>--cluster-name</c> says otherwise.</summary>
    public const string DefaultCluster = "default";

    /// <summary>Whether a cluster name is letters, digits, '-', '_' or '.' (at most 64).</summary>
    public static bool IsClusterName(string name) => name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public static string Issue(X509Certificate2 authorityWithKey, TokenClaims claims)
    {
        using var key = authorityWithKey.GetECDsaPrivateKey() ?? throw new CryptographicException("the authority's private key is not an ECDSA key");
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = claims.Name,
            ["role"] = claims.Role == TokenRole.Operator ? "operator" : "viewer",
            ["exp"] = claims.Expires.ToUnixTimeSeconds(),
            ["jti"] = claims.Id.Length > 0 ? claims.Id : NewId(),
            ["aud"] = claims.Cluster,
        });
        var signed = Prefix + Base64Url(payload);
        return signed + "." + Base64Url(key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256));
    }

    /// <summary>
    /// The token's claims when it is well formed, signed by <paramref name="authority"/>, made for
    /// <paramref name="cluster"/> (one authority may sign for several clusters) and not expired; else null and why not.
    /// </summary>
    public static TokenClaims? Verify(string? token, X509Certificate2 authority, string cluster, DateTimeOffset now, out string? refusal)
    {
        refusal = null;
        if (string.IsNullOrEmpty(token)) { refusal = "no token"; return null; }
        if (token.Length > MaxLength || !token.StartsWith(Prefix, StringComparison.Ordinal)) { refusal = "not a token of this cluster"; return null; }
        var dot = token.LastIndexOf('.');
        if (dot <= Prefix.Length) { refusal = "not a token of this cluster"; return null; }
        var signed = token[..dot];
        if (FromBase64Url(signed[Prefix.Length..]) is not { } payload || FromBase64Url(token[(dot + 1)..]) is not { } signature) { refusal = "not a token of this cluster"; return null; }
        using var key = authority.GetECDsaPublicKey();
        if (key is null || !key.VerifyData(Encoding.ASCII.GetBytes(signed), signature, HashAlgorithmName.SHA256)) { refusal = "the token is not signed by the cluster's authority"; return null; }
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            var claims = new TokenClaims(root.GetProperty("sub").GetString() ?? "",
                root.GetProperty("role").GetString() == "operator" ? TokenRole.Operator : TokenRole.Viewer,
                DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("exp").GetInt64()),
                root.TryGetProperty("jti", out var id) ? id.GetString() ?? "" : "",
                root.TryGetProperty("aud", out var aud) ? aud.GetString() ?? "" : "");
            if (claims.Cluster != cluster)
            {
                refusal = claims.Cluster.Length == 0 ? "the token names no cluster (it was made by an older version; make a new one with certs token)"
                    : $"the token is for the cluster '{Experiments.Text.Printable.Escape(claims.Cluster)}', not this one ('{cluster}')";
                return null;
            }
            if (claims.Expires <= now) { refusal = $"the token expired at {claims.Expires:yyyy-MM-dd HH:mm} UTC"; return null; }
            return claims;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            refusal = "not a token of this cluster";
            return null;
        }
    }

    /// <summary>An id as <c>certs token</c> prints it: 16 random bytes, base64url.</summary>
    public static bool IsId(string text) => text.Length == 22 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string NewId() => Base64Url(RandomNumberGenerator.GetBytes(16));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[]? FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
        try { return Convert.FromBase64String(s); }
        catch (FormatException) { return null; }
    }
}
