namespace LeeMl.Sweep.Cluster.Data;

/// <summary>Why an upload was not let in now: the client has as many under way as it may (HTTP 429), or the staging area is full (503). Either may be tried again later.</summary>
public sealed class UploadBusyException(string message, bool perClient) : Exception(message)
{
    public bool PerClient { get; } = perClient;

    /// <summary>When to try again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);
}

/// <summary>
/// How many uploads wait for their hash check at once: at most <paramref name="perClient"/> per
/// client (a token, a certificate or an address), and at most <paramref name="stagedBytes"/> bytes
/// announced by all of them together, so that neither one client nor many fill the disk where
/// unverified bytes wait. An upload holds its place, and its announced size, until it is disposed.
/// </summary>
public sealed class UploadGate(int perClient, long stagedBytes)
{
    private readonly object _lock = new();
    private readonly Dictionary<string, int> _byClient = new(StringComparer.Ordinal);
    private long _staged;

    public int PerClient => perClient;

    public long StagedBytes => stagedBytes;

    /// <summary>What is under way now: uploads and their announced bytes.</summary>
    public (int Uploads, long Bytes) InUse
    {
        get
        {
            lock (_lock) return (_byClient.Values.Sum(), _staged);
        }
    }

    /// <summary>A place for an upload of <paramref name="bytes"/> from <paramref name="client"/>, or <see cref="UploadBusyException"/>.</summary>
    public IDisposable Enter(string client, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_lock)
        {
            var mine = _byClient.GetValueOrDefault(client);
            if (mine >= perClient)
                throw new UploadBusyException($"{mine} uploads from this client are under way, as many as this node takes at once (--max-uploads-per-client); try again when one has ended", true);
            if (_staged + bytes > stagedBytes)
                throw new UploadBusyException($"uploads under way hold {_staged:N0} of the {stagedBytes:N0} bytes this node stages at once (--max-staged-size); {bytes:N0} more do not fit now", false);
            _byClient[client] = mine + 1;
            _staged += bytes;
        }
        return new Place(this, client, bytes);
    }

    private void Leave(string client, long bytes)
    {
        lock (_lock)
        {
            _staged -= bytes;
            if (_byClient[client] == 1) _byClient.Remove(client);
            else _byClient[client]--;
        }
    }

    private sealed class Place(UploadGate gate, string client, long bytes) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) gate.Leave(client, bytes);
        }
    }
}
