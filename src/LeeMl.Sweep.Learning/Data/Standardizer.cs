namespace LeeMl.Sweep.Learning.Data;

/// <summary>z-scores with the training set's mean and population standard deviation; constant columns stay at 0.</summary>
public sealed class Standardizer
{
    private readonly double[] _mean;
    private readonly double[] _std;

    private Standardizer(double[] mean, double[] std)
    {
        _mean = mean;
        _std = std;
    }

    public static Standardizer Fit(Dataset train)
    {
        var d = train.Features;
        var mean = new double[d];
        var std = new double[d];
        for (var i = 0; i < train.Rows; i++)
            for (var j = 0; j < d; j++) mean[j] += train.X[i * d + j];
        for (var j = 0; j < d; j++) mean[j] /= train.Rows;
        for (var i = 0; i < train.Rows; i++)
            for (var j = 0; j < d; j++) std[j] += (train.X[i * d + j] - mean[j]) * (train.X[i * d + j] - mean[j]);
        for (var j = 0; j < d; j++) std[j] = std[j] > 0 ? Math.Sqrt(std[j] / train.Rows) : 1;
        return new Standardizer(mean, std);
    }

    public Dataset Apply(Dataset data)
    {
        var d = data.Features;
        var x = new double[data.X.Length];
        for (var i = 0; i < data.Rows; i++)
            for (var j = 0; j < d; j++) x[i * d + j] = (data.X[i * d + j] - _mean[j]) / _std[j];
        return new Dataset(x, data.Y, d, data.FeatureNames, data.ClassNames);
    }
}
