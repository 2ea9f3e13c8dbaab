using System.Diagnostics;
using LeeMl.Sweep.Experiments.Search;
using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Experiments.Planning;

/// <summary>
/// A TPE search's proposals, reproducible however many workers run it: sample k of a cell is a
/// pure function of the search seed and the results of that cell's samples 0…k−P−1 (P: the
/// search's parallelism), every one of them, in sample order — a sample's result is the mean loss
/// over its seeds. So sample k waits until those have ended rather than using whatever has
/// arrived, and the same spec proposes the same values on one worker or fifty, after a worker is
/// killed and after the coordinator moves. Pure state: fed the results that count, in any order.
/// </summary>
public sealed class TpeLedger
{
    private readonly TrialPlan _plan;
    private readonly SearchSpec _search;
    private readonly bool _maximize;
    private readonly int _seeds;
    private readonly List<double[]>[] _proposals;                 // per cell, by sample
    private readonly Dictionary<long, (double Sum, int Ended)>[] _ended;   // per cell, by sample not yet complete
    private readonly List<double>[] _losses;                      // per cell: the mean loss of each complete sample, in order
    private readonly Dictionary<(int Cell, long Sample), double> _beyondPrefix = [];   // complete samples after a gap: their mean loss
    private readonly TpeDimension[][] _dims;
    private readonly TpeHistory[] _histories;                     // per cell: the complete samples a proposal learns from, kept in order

    public TpeLedger(TrialPlan plan)
    {
        if (!plan.IsTpe) throw new ArgumentException("not a TPE search", nameof(plan));
        _plan = plan;
        _search = plan.Spec.Search;
        _maximize = plan.Spec.Objective.Maximize;
        _seeds = plan.Spec.Seeds.Length;
        var cells = plan.TpeCells;
        _proposals = [.. Enumerable.Range(0, cells).Select(_ => new List<double[]>())];
        _ended = [.. Enumerable.Range(0, cells).Select(_ => new Dictionary<long, (double, int)>())];
        _losses = [.. Enumerable.Range(0, cells).Select(_ => new List<double>())];
        _dims = [.. Enumerable.Range(0, cells).Select(c => plan.TpeDimensions(c).ToArray())];
        _histories = [.. _dims.Select(d => new TpeHistory(d.Length))];
    }

    /// <summary>Time spent computing proposals so far.</summary>
    public TimeSpan ProposalTime { get; private set; }

    /// <summary>Proposals computed so far.</summary>
    public long Proposals { get; private set; }

    /// <summary>Whether trial <paramref name="index"/>'s values can be proposed now: the samples it learns from have all ended.</summary>
    public bool IsReady(long index)
    {
        var (cell, sample, _) = _plan.TpeSlot(index);
        return sample - _search.Parallelism <= _losses[cell].Count;
    }

    /// <summary>The values proposed for trial <paramref name="index"/> (u ∈ [0, 1) per distribution); it must be ready.</summary>
    public IReadOnlyList<double> Draws(long index)
    {
        var (cell, sample, _) = _plan.TpeSlot(index);
        if (!IsReady(index)) throw new InvalidOperationException($"trial {index} waits for the results of sample {sample - _search.Parallelism - 1} of its cell");
        var proposals = _proposals[cell];
        while (proposals.Count <= sample) proposals.Add(Propose(cell, proposals.Count));
        return proposals[(int)sample];
    }

    private double[] Propose(int cell, long sample)
    {
        var clock = Stopwatch.StartNew();
        var learnFrom = (int)Math.Max(0, sample - _search.Parallelism);
        // Samples are proposed in order, so what they learn from only grows.
        var history = _histories[cell];
        while (history.Count < learnFrom) history.Add(_proposals[cell][history.Count], _losses[cell][history.Count]);
        var rng = new Xoshiro256(TrialPlan.Hash($"{_search.Seed}|tpe|{cell}|{sample}"));
        var point = Tpe.Propose(_dims[cell], history, _search.Tpe, ref rng, pending: [.. _proposals[cell].Skip(learnFrom).Take((int)sample - learnFrom)]);
        ProposalTime += clock.Elapsed;
        Proposals++;
        return point;
    }

    /// <summary>
    /// Trial <paramref name="index"/> has ended for good with <paramref name="objective"/> (null or
    /// not finite: failed or diverged, the worst loss). Each trial counts once.
    /// </summary>
    public void Ended(long index, double? objective)
    {
        var (cell, sample, _) = _plan.TpeSlot(index);
        if (sample < _losses[cell].Count || _beyondPrefix.ContainsKey((cell, sample))) return;
        var loss = objective is { } v && double.IsFinite(v) ? (_maximize ? -v : v) : double.PositiveInfinity;
        var ended = _ended[cell];
        var (sum, count) = ended.GetValueOrDefault(sample);
        (sum, count) = (sum + loss, count + 1);
        if (count < _seeds)
        {
            ended[sample] = (sum, count);
            return;
        }
        ended.Remove(sample);
        _beyondPrefix[(cell, sample)] = sum / _seeds;
        // The prefix of complete samples grows in order: a sample's proposal learns from a prefix only.
        var losses = _losses[cell];
        while (_beyondPrefix.Remove((cell, losses.Count), out var mean)) losses.Add(mean);
    }

    /// <summary>The samples of <paramref name="cell"/> complete in order from the first (what the next proposals learn from).</summary>
    public int CompletePrefix(int cell) => _losses[cell].Count;
}
