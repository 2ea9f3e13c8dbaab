using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Store;

namespace LeeMl.Sweep.Cluster.Reports;

/// <summary>The specs of the jobs whose reports this node draws, each parsed once (a few are kept; safe from any thread).</summary>
public sealed class ParsedSpecs
{
    public const int Kept = 64;

    private readonly Dictionary<string, SweepSpec> _specs = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public SweepSpec Of(StoredJob job)
    {
        lock (_specs)
            if (_specs.TryGetValue(job.Id, out var known)) return known;
        var spec = SpecParser.Parse(job.SpecText, job.Id);
        lock (_specs)
        {
            if (_specs.TryAdd(job.Id, spec))
            {
                _order.Enqueue(job.Id);
                if (_order.Count > Kept) _specs.Remove(_order.Dequeue());
            }
            return _specs[job.Id];
        }
    }
}
