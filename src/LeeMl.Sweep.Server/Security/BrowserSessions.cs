using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace LeeMl.Sweep.Server.Security;

/// <summary>
/// What a browser's cookie holds after <c>/login</c>: a random session id that only this node
/// process knows, for a few hours at most — never the token or the secret it logged in with. A
/// cookie sent to another port of the host, or kept after the node restarts, opens nothing.
/// </summary>
public sealed class BrowserSessions(TimeSpan lifetime, int max = 10_000)
{
    /// <summary>A session: the token's claims (null for the node's local secret, which may do everything) and when it ends.</summary>
    public sealed record Session(TokenClaims? Claims, DateTimeOffset Expires);

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(8);

    /// <summary>A new session id, or null when the table is full of live sessions.</summary>
    public string? Open(TokenClaims? claims, DateTimeOffset now)
    {
        if (_sessions.Count >= max)
            foreach (var (id, s) in _sessions)
                if (s.Expires <= now) _sessions.TryRemove(id, out _);
        if (_sessions.Count >= max) return null;
        var expires = now + lifetime;
        if (claims is not null && claims.Expires < expires) expires = claims.Expires;
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        _sessions[key] = new Session(claims, expires);
        return key;
    }

    /// <summary>The live session of an id, if any.</summary>
    public Session? Find(string? id, DateTimeOffset now)
    {
        if (id is null || !_sessions.TryGetValue(id, out var s)) return null;
        if (s.Expires > now) return s;
        _sessions.TryRemove(id, out _);
        return null;
    }
}
