using System.Runtime.Intrinsics;
using LeeMl.Sweep.Optim.Noise;
using MathNet.Numerics;

namespace LeeMl.Sweep.Experiments.Search;

/// <summary>One searched value as TPE sees it: a number on [0, 1) (the distribution's own scale: log for log-uniform), or one of <see cref="Categories"/> choices.</summary>
public readonly record struct TpeDimension(int Categories)
{
    public static readonly TpeDimension Continuous = new(0);

    public bool IsCategorical => Categories > 0;
}

/// <summary>TPE's settings, with Optuna's defaults: random proposals until <see cref="StartupTrials"/> results, 24 candidates, one estimator per value unless <see cref="Multivariate"/>.</summary>
public sealed record TpeSettings(int StartupTrials = 10, int Candidates = 24, bool Multivariate = false, double PriorWeight = 1.0);

/// <summary>
/// A cell's results as TPE learns from them: each point and its loss, in trial order, and for each
/// value the points' order along it (equal values in trial order), kept as results come — so a
/// proposal after thousands of results never sorts them again.
/// </summary>
public sealed class TpeHistory
{
    private readonly List<double> _losses = [];
    private readonly List<double>[] _columns;        // per value: each result's, in trial order
    private readonly List<int>[] _order;             // per value: the results ascending along it
    private readonly List<double>[] _sorted;         // per value: the values in that order

    public TpeHistory(int dimensions)
    {
        _columns = [.. Enumerable.Range(0, dimensions).Select(_ => new List<double>())];
        _order = [.. Enumerable.Range(0, dimensions).Select(_ => new List<int>())];
        _sorted = [.. Enumerable.Range(0, dimensions).Select(_ => new List<double>())];
    }

    public int Count => _losses.Count;

    /// <summary>The loss of result <paramref name="i"/>; a non-finite one is the worst.</summary>
    public double Loss(int i) => _losses[i];

    /// <summary>Value <paramref name="d"/> of every result, in trial order.</summary>
    internal List<double> Column(int d) => _columns[d];

    /// <summary>The results ascending along value <paramref name="d"/>, equal values in trial order, and their values in that order.</summary>
    internal (List<int> Order, List<double> Values) Along(int d) => (_order[d], _sorted[d]);

    public void Add(double[] point, double loss)
    {
        if (point.Length != _order.Length) throw new ArgumentException($"a point of {point.Length} values in a history of {_order.Length}", nameof(point));
        var index = Count;
        _losses.Add(double.IsFinite(loss) ? loss : double.PositiveInfinity);
        for (var d = 0; d < _order.Length; d++)
        {
            _columns[d].Add(point[d]);
            // After every equal value: the newest result comes last among equals.
            var sorted = _sorted[d];
            int lo = 0, hi = sorted.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (sorted[mid] <= point[d]) lo = mid + 1;
                else hi = mid;
            }
            _order[d].Insert(lo, index);
            sorted.Insert(lo, point[d]);
        }
    }
}

/// <summary>
/// The tree-structured Parzen estimator (Bergstra et al., 2011), as Optuna runs it by default: the
/// observations so far are split by their loss into the best γ(n) = min(⌈n/10⌉, 25) and the rest;
/// each group becomes a mixture of truncated normals (a categorical kernel for choices) around its
/// points plus a broad prior; candidates drawn from the good group's mixture are ranked by the ratio
/// of the two densities, and the best is proposed. Older points weigh less once there are more than
/// 25 of a group. Pure: the same observations, settings and generator state give the same proposal.
/// </summary>
public static class Tpe
{
    private const double MultivariateSigma = 0.2;   // Optuna's SIGMA0_MAGNITUDE
    private const int FlatWeights = 25;
    private static readonly double HalfLog2Pi = 0.5 * Math.Log(2 * Math.PI);

    /// <summary>How many of <paramref name="n"/> observations count as good.</summary>
    public static int Good(int n) => Math.Min((n + 9) / 10, 25);

    /// <summary>
    /// A point in [0, 1)^d to try next, given <paramref name="history"/> (points and their losses, in
    /// trial order; lower is better, a non-finite loss is worst).
    /// </summary>
    public static double[] Propose(IReadOnlyList<TpeDimension> dims, IReadOnlyList<(double[] Point, double Loss)> history, TpeSettings settings, ref Xoshiro256 rng,
        IReadOnlyList<double[]>? pending = null)
    {
        var kept = new TpeHistory(dims.Count);
        foreach (var (point, loss) in history) kept.Add(point, loss);
        return Propose(dims, kept, settings, ref rng, pending);
    }

    /// <summary>As above, from a history kept as results come (what a search that runs for long keeps: no proposal sorts its points again).</summary>
    public static double[] Propose(IReadOnlyList<TpeDimension> dims, TpeHistory history, TpeSettings settings, ref Xoshiro256 rng, IReadOnlyList<double[]>? pending = null)
    {
        var x = new double[dims.Count];
        if (history.Count == 0 || history.Count + (pending?.Count ?? 0) < settings.StartupTrials)
        {
            for (var d = 0; d < x.Length; d++) x[d] = rng.NextDouble();
            return x;
        }
        // The trials in flight join the history as the worst (the "constant liar"), after the results.
        var all = new Observations(history, pending ?? []);
        var (below, above) = Split(all, Math.Max(1, Good(all.Count)));
        if (settings.Multivariate)
        {
            var used = Enumerable.Range(0, dims.Count).ToArray();
            var best = Best(dims, used, all, below, above, settings, ref rng);
            for (var d = 0; d < x.Length; d++) x[d] = best[d];
        }
        else
        {
            // The values are independent and each draws the same number of numbers (a component and
            // a value per candidate): value d starts where value d − 1's draws end, as it would one
            // after the other, so they are computed side by side with the same result on any number of cores.
            var draws = settings.Candidates * 2;
            var starts = new Xoshiro256[x.Length];
            for (var d = 0; d < x.Length; d++)
            {
                starts[d] = rng;
                for (var i = 0; i < draws; i++) rng.NextUInt64();
            }
            Parallel.For(0, x.Length, d =>
            {
                var own = starts[d];
                x[d] = Best(dims, [d], all, below, above, settings, ref own)[d];
            });
        }
        return x;
    }

    /// <summary>
    /// The good group — the <paramref name="good"/> observations of least loss, equal losses by trial
    /// order — and the rest, each in trial order: what a full sort by (loss, index) would give,
    /// found in one pass.
    /// </summary>
    private static (int[] Below, int[] Above) Split(Observations all, int good)
    {
        var best = new List<int>(good + 1);   // kept ascending by (loss, index)
        for (var i = 0; i < all.Count; i++)
        {
            var loss = all.Loss(i);
            if (best.Count == good && !(loss < all.Loss(best[^1]))) continue;   // a later equal loss never displaces an earlier one
            var at = best.Count;
            while (at > 0 && loss < all.Loss(best[at - 1])) at--;
            best.Insert(at, i);
            if (best.Count > good) best.RemoveAt(good);
        }
        var below = best.ToArray();
        Array.Sort(below);
        var above = new int[all.Count - below.Length];
        for (int i = 0, b = 0, a = 0; i < all.Count; i++)
            if (b < below.Length && below[b] == i) b++;
            else above[a++] = i;
        return (below, above);
    }

    /// <summary>The candidate over <paramref name="use"/> (dimensions) with the highest l(x)/g(x).</summary>
    private static double[] Best(IReadOnlyList<TpeDimension> dims, int[] use, Observations all, int[] below, int[] above,
        TpeSettings settings, ref Xoshiro256 rng)
    {
        var l = new Mixture(dims, use, all, below, settings);
        var g = new Mixture(dims, use, all, above, settings);
        double[]? best = null;
        var bestScore = double.NegativeInfinity;
        for (var c = 0; c < settings.Candidates; c++)
        {
            var candidate = l.Sample(ref rng);
            var score = l.LogDensity(candidate) - g.LogDensity(candidate);
            if (best is null || score > bestScore) (best, bestScore) = (candidate, score);
        }
        return best!;
    }

    /// <summary>The results and, after them, the trials in flight (with the worst loss) as one list in trial order.</summary>
    private sealed class Observations(TpeHistory history, IReadOnlyList<double[]> pending)
    {
        public int Count => history.Count + pending.Count;

        public double Loss(int i) => i < history.Count ? history.Loss(i) : double.PositiveInfinity;

        /// <summary>Value <paramref name="d"/> of each of <paramref name="members"/> (ascending indexes).</summary>
        public double[] Values(int d, int[] members)
        {
            var column = history.Column(d);
            var values = new double[members.Length];
            for (var i = 0; i < values.Length; i++) values[i] = members[i] < column.Count ? column[members[i]] : pending[members[i] - column.Count][d];
            return values;
        }

        /// <summary>
        /// The <paramref name="members"/> (ascending indexes), as positions among them, ascending along
        /// value <paramref name="d"/>, equal values by index: the history's kept order with the trials
        /// in flight merged in.
        /// </summary>
        public int[] MembersInOrder(int d, int[] members)
        {
            var position = new int[Count];
            Array.Fill(position, -1);
            for (var p = 0; p < members.Length; p++) position[members[p]] = p;
            var inFlight = Enumerable.Range(0, pending.Count).OrderBy(j => pending[j][d]).ThenBy(j => j).ToArray();
            var (order, values) = history.Along(d);
            var result = new int[members.Length];
            var k = 0;
            var f = 0;
            for (var r = 0; r < order.Count; r++)
            {
                // A trial in flight has a larger index than every result: among equal values it comes after them.
                while (f < inFlight.Length && pending[inFlight[f]][d] < values[r])
                    if (position[history.Count + inFlight[f++]] is var q and >= 0) result[k++] = q;
                if (position[order[r]] is var p and >= 0) result[k++] = p;
            }
            while (f < inFlight.Length)
                if (position[history.Count + inFlight[f++]] is var q and >= 0) result[k++] = q;
            return result;
        }
    }

    /// <summary>Weights of a group's points in trial order: equal up to 25, then rising from 1/n for the oldest to 1 for the newest 25.</summary>
    public static double[] Weights(int n) => Weights(n, null);

    /// <summary>As <see cref="Weights(int)"/>, with the prior's weight after them when it is given.</summary>
    private static double[] Weights(int n, double? prior)
    {
        var w = new double[prior is null ? n : n + 1];
        if (prior is { } p) w[n] = p;
        if (n < FlatWeights)
        {
            Array.Fill(w, 1.0, 0, n);
            return w;
        }
        var ramp = n - FlatWeights;
        for (var i = 0; i < ramp; i++) w[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1 - 1.0 / n) * i / (ramp - 1);
        for (var i = ramp; i < n; i++) w[i] = 1;
        return w;
    }

    /// <summary>
    /// A Parzen estimator over some dimensions: one component per point of its group (in trial
    /// order) and a last one for the prior (a normal centred on the range, as wide as it; uniform
    /// over choices).
    /// </summary>
    private sealed class Mixture
    {
        private readonly int[] _use;
        private readonly IReadOnlyList<TpeDimension> _dims;
        private readonly double[] _logWeight;     // per component
        private readonly double[] _cumulative;    // per component, for drawing one
        private readonly double[][] _mu, _sigma, _logNorm;   // per used dimension, per component (continuous)
        private readonly double[][][] _logProb;              // per used dimension, per component, per choice (categorical)
        private readonly double[][][] _cumProb;

        public Mixture(IReadOnlyList<TpeDimension> dims, int[] use, Observations all, int[] members, TpeSettings settings)
        {
            _dims = dims;
            _use = use;
            var n = members.Length;
            var k = n + 1;
            var weights = Weights(n, settings.PriorWeight);
            double total = 0;
            foreach (var v in weights) total += v;
            _logWeight = new double[k];
            _cumulative = new double[k];
            double run = 0;
            for (var i = 0; i < k; i++)
            {
                _logWeight[i] = Math.Log(weights[i] / total);
                _cumulative[i] = run += weights[i] / total;
            }
            _mu = new double[use.Length][];
            _sigma = new double[use.Length][];
            _logNorm = new double[use.Length][];
            _logProb = new double[use.Length][][];
            _cumProb = new double[use.Length][][];
            for (var u = 0; u < use.Length; u++)
            {
                var d = use[u];
                var values = all.Values(d, members);
                if (dims[d].IsCategorical) Categorical(u, dims[d].Categories, values, settings.PriorWeight);
                else if (settings.Multivariate) Continuous(u, values, use.Length, null);
                else Continuous(u, values, 0, all.MembersInOrder(d, members));
            }
        }

        /// <param name="inOrder">Univariate: the members (as positions in <paramref name="values"/>) ascending by (value, position).</param>
        private void Continuous(int u, double[] values, int multivariateDims, int[]? inOrder)
        {
            var n = values.Length;
            var mu = new double[n + 1];
            var sigma = new double[n + 1];
            values.CopyTo(mu, 0);
            mu[n] = 0.5;
            if (multivariateDims > 0)
            {
                var s = MultivariateSigma * Math.Pow(Math.Max(n, 1), -1.0 / (multivariateDims + 4));
                Array.Fill(sigma, s);
            }
            else
            {
                // Each point as wide as the larger gap to its neighbours (the prior and the range's
                // ends among them), the outermost two as their inner gap. The prior, last of all,
                // comes after every point at or below its centre.
                var sorted = new int[n + 1];
                var k = 0;
                var priorPlaced = false;
                foreach (var position in inOrder!)
                {
                    if (!priorPlaced && mu[position] > mu[n])
                    {
                        sorted[k++] = n;
                        priorPlaced = true;
                    }
                    sorted[k++] = position;
                }
                if (!priorPlaced) sorted[k] = n;
                var ends = new double[n + 3];
                ends[0] = 0;
                for (var i = 0; i < sorted.Length; i++) ends[i + 1] = mu[sorted[i]];
                ends[^1] = 1;
                var widths = new double[n + 1];
                for (var i = 0; i < widths.Length; i++) widths[i] = Math.Max(ends[i + 1] - ends[i], ends[i + 2] - ends[i + 1]);
                if (ends.Length >= 4)
                {
                    widths[0] = ends[2] - ends[1];
                    widths[^1] = ends[^2] - ends[^3];
                }
                for (var i = 0; i < sorted.Length; i++) sigma[sorted[i]] = widths[i];
            }
            // Optuna's "magic clip": no kernel narrower than the range over min(100, kernels + 1); the prior as wide as the range.
            var min = 1.0 / Math.Min(100.0, n + 2);
            for (var i = 0; i < sigma.Length; i++) sigma[i] = Math.Clamp(sigma[i], min, 1.0);
            sigma[n] = 1.0;
            // Candidates are ranked as Optuna ranks them: each kernel's height is that of a unit normal
            // (no 1/σ), which is the mixture whose kernels weigh w·σ up to a constant factor — points
            // far from the others, with wide kernels, count for more than tight clusters.
            var logNorm = new double[n + 1];
            for (var i = 0; i <= n; i++)
            {
                var mass = Mass(mu[i], sigma[i]);
                logNorm[i] = mass == 1.0 ? -HalfLog2Pi : -HalfLog2Pi - Math.Log(mass);
            }
            (_mu[u], _sigma[u], _logNorm[u]) = (mu, sigma, logNorm);
        }

        private void Categorical(int u, int choices, double[] values, double priorWeight)
        {
            var n = values.Length;
            var logProb = new double[n + 1][];
            var cum = new double[n + 1][];
            for (var i = 0; i <= n; i++)
            {
                var p = new double[choices];
                Array.Fill(p, priorWeight / (n + 1));
                if (i < n) p[Choice(values[i], choices)] += 1;
                var total = p.Sum();
                logProb[i] = [.. p.Select(v => Math.Log(v / total))];
                cum[i] = new double[choices];
                double run = 0;
                for (var c = 0; c < choices; c++) cum[i][c] = run += p[c] / total;
            }
            (_logProb[u], _cumProb[u]) = (logProb, cum);
        }

        private static int Choice(double x, int choices) => Math.Min(choices - 1, (int)Math.Floor(x * choices));

        /// <summary>The mass of N(μ, σ) on [0, 1].</summary>
        private static double Mass(double mu, double sigma) =>
            // A tail beyond 9σ is left out: Φ(9) is 1 in doubles, and Φ(−9) < 2⁻⁶² vanishes beside Φ of
            // the other end (at least ½, as μ lies in the range).
            (1 - mu > 9 * sigma ? 1.0 : Phi((1 - mu) / sigma)) - (mu > 9 * sigma ? 0.0 : Phi(-mu / sigma));

        private static double Phi(double z) => 0.5 * SpecialFunctions.Erfc(-z / Math.Sqrt(2));

        public double[] Sample(ref Xoshiro256 rng)
        {
            var component = Pick(_cumulative, rng.NextDouble());
            var x = new double[_dims.Count];
            for (var u = 0; u < _use.Length; u++)
            {
                var d = _use[u];
                if (_dims[d].IsCategorical)
                {
                    var c = Pick(_cumProb[u][component], rng.NextDouble());
                    x[d] = (c + 0.5) / _dims[d].Categories;
                    continue;
                }
                double mu = _mu[u][component], sigma = _sigma[u][component];
                var lo = Phi(-mu / sigma);
                var hi = Phi((1 - mu) / sigma);
                var p = lo + rng.NextDouble() * (hi - lo);
                var v = mu + sigma * Math.Sqrt(2) * SpecialFunctions.ErfInv(2 * p - 1);
                x[d] = double.IsFinite(v) ? Math.Clamp(v, 0, Math.BitDecrement(1.0)) : mu;
            }
            return x;
        }

        private static int Pick(double[] cumulative, double u)
        {
            for (var i = 0; i < cumulative.Length - 1; i++)
                if (u < cumulative[i]) return i;
            return cumulative.Length - 1;
        }

        private double[]? _constant, _inverseSigma;   // per component: log w + its kernels' constants; and 1/σ (one continuous dimension)
        private double[]?[] _inverseSigmas = [];        // several dimensions: 1/σ per used dimension (null for a choice)
        private double[]? _terms;

        /// <summary>log of the mixture's density at the candidate's used dimensions.</summary>
        public double LogDensity(double[] x)
        {
            var k = _logWeight.Length;
            var terms = _terms ??= new double[k];
            var max = double.NegativeInfinity;
            if (_use.Length == 1 && !_dims[_use[0]].IsCategorical)
            {
                // One number (univariate TPE): flat arrays, no branch per component.
                if (_constant is null)
                {
                    _constant = new double[k];
                    _inverseSigma = new double[k];
                    for (var i = 0; i < k; i++) (_constant[i], _inverseSigma[i]) = (_logWeight[i] + _logNorm[0][i], 1 / _sigma[0][i]);
                }
                var v = x[_use[0]];
                ref var mu = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_mu[0]);
                ref var c = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_constant);
                ref var inv = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_inverseSigma!);
                ref var term = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(terms);
                var next = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    // Four components at a time, each lane the same operations in the same order as one at a time.
                    var (at, half, highest) = (Vector256.Create(v), Vector256.Create(0.5), Vector256.Create(double.NegativeInfinity));
                    for (; next <= k - Vector256<double>.Count; next += Vector256<double>.Count)
                    {
                        var z = (at - Vector256.LoadUnsafe(ref mu, (nuint)next)) * Vector256.LoadUnsafe(ref inv, (nuint)next);
                        var t = Vector256.LoadUnsafe(ref c, (nuint)next) - half * z * z;
                        t.StoreUnsafe(ref term, (nuint)next);
                        highest = Vector256.Max(highest, t);
                    }
                    for (var lane = 0; lane < Vector256<double>.Count; lane++)
                        if (highest[lane] > max) max = highest[lane];
                }
                for (; next < k; next++)   // the arrays are all k long
                {
                    var z = (v - System.Runtime.CompilerServices.Unsafe.Add(ref mu, next)) * System.Runtime.CompilerServices.Unsafe.Add(ref inv, next);
                    var t = System.Runtime.CompilerServices.Unsafe.Add(ref c, next) - 0.5 * z * z;
                    System.Runtime.CompilerServices.Unsafe.Add(ref term, next) = t;
                    if (t > max) max = t;
                }
            }
            else
            {
                // Several values (multivariate TPE): the constant part of each component once.
                if (_constant is null)
                {
                    _constant = new double[k];
                    for (var i = 0; i < k; i++)
                    {
                        _constant[i] = _logWeight[i];
                        for (var u = 0; u < _use.Length; u++)
                            if (!_dims[_use[u]].IsCategorical) _constant[i] += _logNorm[u][i];
                    }
                    _inverseSigmas = new double[_use.Length][];
                    for (var u = 0; u < _use.Length; u++)
                        if (!_dims[_use[u]].IsCategorical) _inverseSigmas[u] = [.. _sigma[u].Select(v => 1 / v)];
                }
                Array.Copy(_constant, terms, k);
                for (var u = 0; u < _use.Length; u++)
                {
                    var d = _use[u];
                    if (_dims[d].IsCategorical)
                    {
                        var choice = Choice(x[d], _dims[d].Categories);
                        var logProb = _logProb[u];
                        for (var i = 0; i < k; i++) terms[i] += logProb[i][choice];
                        continue;
                    }
                    var v = x[d];
                    var mu = _mu[u];
                    var inv = _inverseSigmas[u]!;
                    var next = 0;
                    if (Vector256.IsHardwareAccelerated)
                    {
                        var (at, half) = (Vector256.Create(v), Vector256.Create(0.5));
                        for (; next <= k - Vector256<double>.Count; next += Vector256<double>.Count)
                        {
                            var z = (at - Vector256.Create(mu.AsSpan(next))) * Vector256.Create(inv.AsSpan(next));
                            (Vector256.Create(terms.AsSpan(next)) - half * z * z).CopyTo(terms.AsSpan(next));
                        }
                    }
                    for (; next < k; next++)
                    {
                        var z = (v - mu[next]) * inv[next];
                        terms[next] -= 0.5 * z * z;
                    }
                }
                foreach (var t in terms)
                    if (t > max) max = t;
            }
            // A kernel under e^−40 of the largest changes the sum by less than its rounding: left out.
            // Blocks of four with none above it are skipped whole; the sum runs in component order.
            double sum = 0;
            var j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var (floor, top) = (Vector256.Create(-40.0), Vector256.Create(max));
                ref var first = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(terms);
                for (; j <= k - Vector256<double>.Count; j += Vector256<double>.Count)
                {
                    // The lanes above the floor as bits, taken lowest first: component order, one branch per kernel summed.
                    var above = Vector256.GreaterThan(Vector256.LoadUnsafe(ref first, (nuint)j) - top, floor).ExtractMostSignificantBits();
                    for (; above != 0; above &= above - 1)
                        sum += Math.Exp(System.Runtime.CompilerServices.Unsafe.Add(ref first, j + System.Numerics.BitOperations.TrailingZeroCount(above)) - max);
                }
            }
            for (; j < k; j++)
                if (terms[j] - max > -40) sum += Math.Exp(terms[j] - max);
            return max + Math.Log(sum);
        }
    }
}
