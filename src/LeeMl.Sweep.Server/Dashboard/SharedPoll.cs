namespace LeeMl.Sweep.Server.Dashboard;

/// <summary>
/// One read per key per period, however many readers: a reader gets the newest value when it is
/// younger than <paramref name="period"/>, joins the read under way, or starts the next one. So a
/// job's event streams make one store read (and one ask of its entity) per poll together, not one
/// each. A read is never cancelled by a reader that leaves; values of keys no one asks for age out.
/// </summary>
public sealed class SharedPoll<T>(Func<string, Task<T>> read, TimeSpan period, Func<DateTimeOffset>? clock = null)
{
    private sealed record Entry(Task<T> Value, DateTimeOffset Started);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Func<DateTimeOffset> _clock = clock ?? (() => DateTimeOffset.UtcNow);

    public Task<T> Get(string key, CancellationToken cancel = default)
    {
        var now = _clock();
        Task<T> value;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out var entry) || (entry.Value.IsCompleted && now - entry.Started >= period))
            {
                if (_entries.Count >= 1024) Forget(now);
                _entries[key] = entry = new Entry(Task.Run(() => read(key)), now);
            }
            value = entry.Value;
        }
        return value.WaitAsync(cancel);
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries.ToList())
            if (entry.Value.IsCompleted && now - entry.Started > period * 40) _entries.Remove(key);
    }
}
