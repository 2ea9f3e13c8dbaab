using System.Collections;

namespace LeeMl.Sweep.Experiments.Search;

/// <summary>
/// Early stopping's decisions, reproducible by construction. At each rung the trials are taken in
/// trial-index order: trial k is decided once every trial before it has either reached the rung
/// or ended below it, and it goes on when its score is at least that of the ⌈n·keep⌉-th best of
/// the n trials (k and those before it) that reached the rung — ASHA's cut-off, with the cohort
/// fixed by index instead of by arrival. So a decision is a function of the trials' scores alone, which are deterministic:
/// the same on one worker or many, and after any failure. Pure (no clock, no I/O); the cost of an
/// event is logarithmic in the job's size.
/// </summary>
public sealed class RungLadder
{
    /// <summary>Trial <paramref name="Index"/> goes on after rung <paramref name="Rung"/> (1-based), or stops there.</summary>
    public sealed record Decision(long Index, int Rung, bool Continue);

    /// <summary>One rung: its frontier in index order, the scores reported beyond it, and the cohort before it.</summary>
    private sealed class Rung(int keepNumerator, int keepDenominator, int trials)
    {
        public int Frontier;                                            // every trial below it is decided (or ended below this rung)
        public readonly Dictionary<long, double> Waiting = [];          // scores reported at or beyond the frontier
        public readonly BitArray Reached = new(trials);
        public readonly BitArray Continued = new(trials);
        private readonly PriorityQueue<long, (double Score, long Negative)> _top = new();     // the best ⌈n·keep⌉, worst first
        private readonly PriorityQueue<long, (double Score, long Index)> _rest = new(Comparer<(double Score, long Index)>.Create(
            (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Index.CompareTo(b.Index)));   // the others, best first
        private readonly Dictionary<long, double> _score = [];
        private int _n;

        /// <summary>Adds the next trial of the cohort; true when it is among the best ⌈n·keep⌉.</summary>
        public bool Admit(long index, double score)
        {
            _n++;
            _score[index] = score;
            var keep = Math.Max(1, (_n * keepNumerator + keepDenominator - 1) / keepDenominator);
            _top.Enqueue(index, (score, -index));
            while (_top.Count > keep) Move(_top.Dequeue(), toTop: false);
            while (_top.Count < keep && _rest.Count > 0) Move(_rest.Dequeue(), toTop: true);
            if (_rest.Count > 0 && Better(_rest.Peek(), _top.Peek()))
            {
                var (up, down) = (_rest.Dequeue(), _top.Dequeue());
                Move(up, toTop: true);
                Move(down, toTop: false);
            }
            // A score equal to the cut-off goes on too (as in ASHA: score >= cut-off): ties are not broken by index.
            return _score[index] >= _score[_top.Peek()];
        }

        private void Move(long index, bool toTop)
        {
            if (toTop) _top.Enqueue(index, (_score[index], -index));
            else _rest.Enqueue(index, (_score[index], index));
        }

        /// <summary>Higher score first; on a tie the lower index.</summary>
        private bool Better(long a, long b) => _score[a] != _score[b] ? _score[a] > _score[b] : a < b;
    }

    private readonly Rung[] _rungs;
    private readonly Func<long, bool> _stoppable;
    private readonly int _trials;
    private readonly Dictionary<long, int> _ended = [];   // trials known to reach no more rungs than this, not yet passed by every frontier

    /// <param name="rungs">How many rungs the job has.</param>
    /// <param name="keepNumerator">With <paramref name="keepDenominator"/>: the share that goes on (1/3 for ASHA with reduction 3).</param>
    /// <param name="stoppable">Whether a trial is subject to early stopping at all (closed-form models are not).</param>
    public RungLadder(int rungs, int keepNumerator, int keepDenominator, long trials, Func<long, bool> stoppable)
    {
        if (trials > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(trials));
        _trials = (int)trials;
        _stoppable = stoppable;
        _rungs = [.. Enumerable.Range(0, rungs).Select(_ => new Rung(keepNumerator, keepDenominator, _trials))];
    }

    public static RungLadder For(EarlyStoppingSpec spec, int epochs, long trials, Func<long, bool> stoppable) =>
        spec.Method == EarlyStoppingMethod.Asha
            ? new RungLadder(spec.Rungs(epochs).Count, 1, spec.Reduction, trials, stoppable)
            : new RungLadder(spec.Rungs(epochs).Count, 1, 2, trials, stoppable);

    public int Rungs => _rungs.Length;

    /// <summary>The decision for trial <paramref name="index"/> at rung <paramref name="rung"/> (1-based), or null while it is not taken.</summary>
    public bool? DecisionFor(long index, int rung)
    {
        var r = _rungs[rung - 1];
        return index < r.Frontier && r.Reached[(int)index] ? r.Continued[(int)index] : null;
    }

    /// <summary>Trial <paramref name="index"/> reached rung <paramref name="rung"/> (1-based) with <paramref name="score"/>: the decisions this makes possible.</summary>
    public IReadOnlyList<Decision> Reached(long index, int rung, double score)
    {
        if (index < 0 || index >= _trials || rung < 1 || rung > _rungs.Length) return [];
        var r = _rungs[rung - 1];
        if (index < r.Frontier)
            return r.Reached[(int)index] ? [new Decision(index, rung, r.Continued[(int)index])] : [];   // decided before (a retry after a failure)
        r.Waiting.TryAdd(index, double.IsNaN(score) ? double.NegativeInfinity : score);
        var decisions = new List<Decision>();
        Advance(decisions);
        return decisions;
    }

    /// <summary>Trial <paramref name="index"/> ended (its result is known) having reached the rungs whose scores <paramref name="rungScores"/> lists: those fill any report that went missing.</summary>
    public IReadOnlyList<Decision> Ended(long index, IReadOnlyList<double> rungScores)
    {
        if (index < 0 || index >= _trials) return [];
        for (var k = 0; k < Math.Min(rungScores.Count, _rungs.Length); k++)
        {
            var r = _rungs[k];
            if (index >= r.Frontier) r.Waiting.TryAdd(index, double.IsNaN(rungScores[k]) ? double.NegativeInfinity : rungScores[k]);
        }
        _ended[index] = Math.Min(rungScores.Count, _rungs.Length);
        var decisions = new List<Decision>();
        Advance(decisions);
        return decisions;
    }

    /// <summary>Moves every rung's frontier as far as the known trials allow, lower rungs first (their stops end trials for the higher ones).</summary>
    private void Advance(List<Decision> decisions)
    {
        for (var k = 0; k < _rungs.Length; k++)
        {
            var r = _rungs[k];
            while (r.Frontier < _trials)
            {
                long i = r.Frontier;
                if (!_stoppable(i)) { r.Frontier++; continue; }
                if (r.Waiting.Remove(i, out var score))
                {
                    var go = r.Admit(i, score);
                    r.Reached[(int)i] = true;
                    r.Continued[(int)i] = go;
                    decisions.Add(new Decision(i, k + 1, go));
                    // A stop here ends the trial for every higher rung.
                    if (!go) _ended[i] = Math.Min(_ended.GetValueOrDefault(i, int.MaxValue), k + 1);
                    r.Frontier++;
                    continue;
                }
                if (_ended.TryGetValue(i, out var reached) && reached <= k)
                {
                    r.Frontier++;
                    continue;
                }
                break;
            }
        }
        // Trials every frontier has passed need no record.
        var lowest = _rungs.Length == 0 ? _trials : _rungs.Min(r => r.Frontier);
        if (_ended.Count > 4096)
            foreach (var i in _ended.Keys.Where(i => i < lowest).ToList()) _ended.Remove(i);
    }
}
