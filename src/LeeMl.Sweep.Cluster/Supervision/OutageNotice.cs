namespace LeeMl.Sweep.Cluster.Supervision;

/// <summary>
/// What to say of something that keeps failing and being tried again (the store during an outage):
/// one warning when it starts failing, one line when it works again — not a line at every try.
/// </summary>
public sealed class OutageNotice
{
    private int _failures;

    /// <summary>Whether anything is failing now.</summary>
    public bool Failing => _failures > 0;

    /// <summary>Another failure: true for the first of an outage (say it), false while it goes on.</summary>
    public bool Failed() => ++_failures == 1;

    /// <summary>It worked: the failures the outage lasted (say it is over), or null when there was none.</summary>
    public int? Worked()
    {
        if (_failures == 0) return null;
        var n = _failures;
        _failures = 0;
        return n;
    }
}
