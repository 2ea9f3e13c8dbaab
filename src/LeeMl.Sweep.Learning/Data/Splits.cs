using System.Runtime.CompilerServices;
using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Learning.Data;

/// <summary>Seeded splits that keep every class's share (stratified).</summary>
public static class Splits
{
    /// <summary>Splits off <paramref name="fraction"/> of each class's rows (rounded) as the second part.</summary>
    public static (Dataset Kept, Dataset SplitOff) Stratified(Dataset data, double fraction, ulong seed)
    {
        if (!(fraction > 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "must be between 0 and 1");
        var rng = new Xoshiro256(seed);
        var rest = new List<int>();
        var part = new List<int>();
        var counts = data.ClassCounts();
        // As scikit-learn: ⌈n·fraction⌉ rows split off, each class its floor share, the rest to the
        // classes with the largest remainders.
        var target = (int)Math.Ceiling(data.Rows * fraction);
        var takes = counts.Select(c => (int)Math.Floor(c * fraction)).ToArray();
        foreach (var k in Enumerable.Range(0, data.Classes).OrderByDescending(k => counts[k] * fraction - takes[k]).ThenBy(k => k)
                     .Take(Math.Max(0, target - takes.Sum())))
            takes[k]++;
        for (var k = 0; k < data.Classes; k++)
        {
            var rows = Enumerable.Range(0, data.Rows).Where(i => data.Y[i] == k).ToArray();
            Shuffle(rows, ref rng);
            part.AddRange(rows[..takes[k]]);
            rest.AddRange(rows[takes[k]..]);
        }
        rest.Sort();
        part.Sort();
        if (part.Count == 0 || rest.Count == 0)
            throw new DataException($"a {fraction:P0} split of {data.Rows} rows leaves one side empty");
        return (data.Subset(rest), data.Subset(part));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Shuffle(Span<int> items, ref Xoshiro256 rng)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
