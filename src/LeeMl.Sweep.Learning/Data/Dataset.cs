namespace LeeMl.Sweep.Learning.Data;

/// <summary>
/// Rows of numeric features (row-major, one contiguous array) with integer class labels 0..K−1.
/// Immutable once built; subsets copy.
/// </summary>
public sealed class Dataset
{
    public Dataset(double[] features, int[] labels, int featureCount, IReadOnlyList<string> featureNames, IReadOnlyList<string> classNames)
    {
        if (featureCount < 1 || features.Length != labels.Length * featureCount)
            throw new ArgumentException($"{labels.Length} rows × {featureCount} features do not fit {features.Length} values");
        if (featureNames.Count != featureCount) throw new ArgumentException("one name per feature");
        X = features;
        Y = labels;
        Features = featureCount;
        FeatureNames = featureNames;
        ClassNames = classNames;
    }

    /// <summary>Row-major features: row i is X[i·Features .. (i+1)·Features).</summary>
    public double[] X { get; }

    public int[] Y { get; }

    public int Rows => Y.Length;

    public int Features { get; }

    public int Classes => ClassNames.Count;

    public IReadOnlyList<string> FeatureNames { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public ReadOnlySpan<double> Row(int i) => X.AsSpan(i * Features, Features);

    public Dataset Subset(IReadOnlyList<int> rows)
    {
        var x = new double[rows.Count * Features];
        var y = new int[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            Row(rows[i]).CopyTo(x.AsSpan(i * Features));
            y[i] = Y[rows[i]];
        }
        return new Dataset(x, y, Features, FeatureNames, ClassNames);
    }

    public int[] ClassCounts()
    {
        var counts = new int[Classes];
        foreach (var label in Y) counts[label]++;
        return counts;
    }

    /// <summary>A copy with the chosen feature columns only.</summary>
    public Dataset SelectFeatures(IReadOnlyList<int> columns)
    {
        var x = new double[Rows * columns.Count];
        for (var i = 0; i < Rows; i++)
            for (var j = 0; j < columns.Count; j++)
                x[i * columns.Count + j] = X[i * Features + columns[j]];
        return new Dataset(x, Y, columns.Count, [.. columns.Select(c => FeatureNames[c])], ClassNames);
    }
}

/// <summary>Training, validation and (where there is one) test data of one trial.</summary>
public sealed record DataSplit(Dataset Train, Dataset? Validation, Dataset? Test);
