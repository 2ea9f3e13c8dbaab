using LeeMl.Sweep.Experiments.Search;

namespace LeeMl.Sweep.Experiments.Tests.Search;

/// <summary>Early stopping's decisions depend on the scores alone, never on the order in which trials report.</summary>
public sealed class RungLadderTests
{
    /// <summary>
    /// Plays a job of <paramref name="scores"/>[trial][rung] through a ladder, trials reporting in the
    /// order <paramref name="rng"/> makes. <paramref name="committed"/>: trials whose results a restarted
    /// coordinator finds in the store (how many rungs each reached), given to it first; the rest report.
    /// </summary>
    private static Dictionary<(long, int), bool> Play(double[][] scores, Random rng, IReadOnlyDictionary<long, int>? committed = null)
    {
        var trials = scores.Length;
        var rungs = scores[0].Length;
        var ladder = new RungLadder(rungs, 1, 3, trials, i => i % 7 != 3);   // every seventh trial is closed-form: not stopped
        var decisions = new Dictionary<(long, int), bool>();
        void Take(IEnumerable<RungLadder.Decision> ds)
        {
            foreach (var d in ds)
            {
                Assert.False(decisions.TryGetValue((d.Index, d.Rung), out var before) && before != d.Continue, $"trial {d.Index} at rung {d.Rung} decided twice, differently");
                decisions[(d.Index, d.Rung)] = d.Continue;
            }
        }
        foreach (var (i, reached) in (committed ?? new Dictionary<long, int>()).OrderBy(_ => rng.Next())) Take(ladder.Ended(i, scores[i][..reached]));
        var next = Enumerable.Range(0, trials).ToDictionary(i => (long)i, _ => 1);   // the rung each trial reaches next
        var pending = new HashSet<long>(Enumerable.Range(0, trials).Select(i => (long)i).Where(i => i % 7 != 3 && committed?.ContainsKey(i) != true));
        while (pending.Count > 0)
        {
            var candidates = pending.Where(i => next[i] == 1 || decisions.ContainsKey((i, next[i] - 1))).ToList();
            Assert.NotEmpty(candidates);   // something can always move: no deadlock
            var i = candidates[rng.Next(candidates.Count)];
            var rung = next[i];
            if (rung > 1 && !decisions[(i, rung - 1)]) { pending.Remove(i); continue; }   // stopped before this rung
            if (rung > rungs) { pending.Remove(i); continue; }                            // trained to the end
            Take(ladder.Reached(i, rung, scores[i][rung - 1]));
            next[i] = rung + 1;
        }
        return decisions;
    }

    [Fact]
    public void Decisions_are_the_same_for_every_arrival_order_and_after_a_restart_from_the_committed_results()
    {
        var rng = new Random(7);
        for (var job = 0; job < 30; job++)
        {
            var scores = Enumerable.Range(0, 60).Select(_ => Enumerable.Range(0, 3).Select(_ => Math.Round(rng.NextDouble(), 2)).ToArray()).ToArray();
            var reference = Play(scores, new Random(1));
            foreach (var order in new[] { 2, 3, 4 })
                Assert.Equal(reference.OrderBy(kv => kv.Key), Play(scores, new Random(order)).OrderBy(kv => kv.Key));
            // A third of the trials committed before a restart, each having reached the rungs the reference let it reach.
            var committed = Enumerable.Range(0, 60).Where(i => i % 7 != 3 && rng.Next(3) == 0)
                .ToDictionary(i => (long)i, i => Enumerable.Range(1, 3).TakeWhile(r => r == 1 || reference[(i, r - 1)]).Count());
            var restarted = Play(scores, new Random(5), committed);
            foreach (var (key, value) in reference.Where(kv => !committed.ContainsKey(kv.Key.Item1)))
                Assert.True(restarted.TryGetValue(key, out var r) && r == value, $"trial {key.Item1} at rung {key.Item2}");
            Assert.All(Enumerable.Range(0, 60).Where(i => i % 7 != 3), i => Assert.True(reference.ContainsKey((i, 1)), $"trial {i} undecided at rung 1"));
        }
    }

    [Fact]
    public void A_trial_goes_on_when_at_least_as_good_as_the_cohort_s_best_third()
    {
        var ladder = new RungLadder(1, 1, 3, 7, _ => true);
        double[] scores = [0.5, 0.4, 0.6, 0.6, 0.1, 0.2, 0.55];
        // Reported in reverse: nothing is decided until trial 0 reports, then all at once, in index order.
        var decided = new List<RungLadder.Decision>();
        for (var i = 6; i >= 0; i--) decided.AddRange(ladder.Reached(i, 1, scores[i]));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (long)i), decided.Select(d => d.Index));
        // n = 1: keep 1 (0.5, goes on); n = 2: 0.4 < 0.5; n = 3: 0.6 best; n = 4: keep 2, 0.6 ties the second best, goes on;
        // n = 5: keep 2, 0.1 no; n = 6: keep 2, 0.2 no; n = 7: keep 3 (0.6, 0.6, 0.55): 0.55 goes on.
        Assert.Equal([true, false, true, true, false, false, true], decided.Select(d => d.Continue));
        Assert.True(ladder.DecisionFor(3, 1));
        Assert.Equal([new RungLadder.Decision(4, 1, false)], ladder.Reached(4, 1, 0.1));   // a retry gets the same answer
    }
}
