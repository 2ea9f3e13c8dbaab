namespace LeeMl.Sweep.Experiments.Specs;

/// <summary>
/// The specs of the jobs a node works on, each parsed once on the node: the API that accepts a job,
/// the job's entity, the worker and the report scheduler share them. A job's entry holds only for its
/// exact text. Bounded (the least recently added leave first); safe from any thread.
/// </summary>
public sealed class SpecCache(int capacity = 64)
{
    private readonly Dictionary<string, SweepSpec> _specs = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>How many times a spec was parsed here (for tests of the once-per-job rule).</summary>
    public int Parsed { get; private set; }

    /// <summary>The job's spec, parsed now only if this node has not parsed this text for the job before.</summary>
    public SweepSpec Get(string jobId, string text)
    {
        lock (_specs)
            if (_specs.TryGetValue(jobId, out var known) && known.SpecText == text) return known;
        var spec = SpecParser.ParseAccepted(text, jobId);   // texts from the store were checked in full at submit
        lock (_specs) Parsed++;
        Add(jobId, spec);
        return spec;
    }

    /// <summary>A spec parsed elsewhere on this node (the API parses a job's spec to accept it).</summary>
    public void Add(string jobId, SweepSpec spec)
    {
        lock (_specs)
        {
            if (!_specs.ContainsKey(jobId)) _order.Enqueue(jobId);
            _specs[jobId] = spec;
            while (_order.Count > capacity) _specs.Remove(_order.Dequeue());
        }
    }
}
