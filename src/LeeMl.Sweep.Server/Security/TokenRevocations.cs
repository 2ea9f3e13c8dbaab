using System.Collections.Concurrent;
using System.Collections.Frozen;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Server.Security;

/// <summary>
/// The access tokens a coordinator refuses although they are signed and unexpired. The list lives
/// in the store, which every coordinator shares, so a token revoked through one is refused by all
/// once they next read it (every <see cref="RefreshEvery"/>); the coordinator that revoked it
/// refuses it at once. Until the list has been read once, nothing is admitted by token.
/// </summary>
public sealed class TokenRevocations(ITokenStore store)
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);

    private volatile FrozenSet<string>? _stored;
    private readonly ConcurrentDictionary<string, byte> _revokedHere = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reading = new(1, 1);

    /// <summary>Whether the list has been read from the store (tokens are refused before).</summary>
    public bool Loaded => _stored is not null;

    /// <summary>Whether <paramref name="id"/> is revoked; call <see cref="EnsureLoaded"/> first. A token without an id is never revoked.</summary>
    public bool IsRevoked(string id) => id.Length > 0 && (_revokedHere.ContainsKey(id) || (_stored?.Contains(id) ?? false));

    /// <summary>Reads the list when it has not been read yet; false when the store cannot give it.</summary>
    public async ValueTask<bool> EnsureLoaded(CancellationToken cancel)
    {
        if (Loaded) return true;
        try
        {
            await Refresh(cancel);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Reads the list again; on a failure the last list stays.</summary>
    public async Task Refresh(CancellationToken cancel)
    {
        await _reading.WaitAsync(cancel);
        try
        {
            var stored = (await store.RevokedTokens(cancel)).Select(r => r.Id).ToFrozenSet(StringComparer.Ordinal);
            _stored = stored;
            foreach (var id in _revokedHere.Keys.Where(stored.Contains)) _revokedHere.TryRemove(id, out _);   // the store has them now
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>What the store holds now, for people to read.</summary>
    public Task<IReadOnlyList<RevokedTokenRow>> List(CancellationToken cancel) => store.RevokedTokens(cancel);

    /// <summary>Revokes a token in the store, for every coordinator, until it would have expired.</summary>
    public async Task Revoke(string id, string name, DateTimeOffset expires, CancellationToken cancel)
    {
        await store.RevokeToken(id, name, expires, cancel);
        _revokedHere[id] = 0;
    }
}
