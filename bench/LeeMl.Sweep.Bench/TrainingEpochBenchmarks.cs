using BenchmarkDotNet.Attributes;
using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Bench;

/// <summary>
/// One training epoch on UCI Adult (32,561 × 108, float64, batch 64, reshuffled every epoch) — the
/// same loop as shared/peers/torch_adult.py: forward, backward and one optimizer step per batch,
/// no evaluation. Logistic regression and an MLP with 64 ReLU units, SGDM (lr 0.01, momentum 0.9)
/// and Adam (lr 1e-3).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 8)]
public class TrainingEpochBenchmarks
{
    private Dataset _train = null!;
    private IDifferentiableModel _model = null!;
    private Updater _updater = null!;
    private double[] _p = [], _g = [];
    private int[] _rows = [];
    private Xoshiro256 _rng;

    [Params("logistic", "mlp64")]
    public string Model { get; set; } = "";

    [Params("sgdm", "adam")]
    public string Optimizer { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _train = NamedDatasets.Load("adult", BenchPaths.Data).Train;
        _model = Model == "logistic" ? new LogisticRegression(_train.Features, false) : new NeuralNet(_train.Features, 2, [64]);
        _p = new double[_model.ParameterCount];
        _g = new double[_p.Length];
        _rng = new Xoshiro256(0);
        _model.Initialize(_p, ref _rng);
        var spec = Optimizer == "sgdm" ? new ComponentSpec("sgdm").With("lr", 0.01).With("momentum", 0.9) : new ComponentSpec("adam").With("lr", 1e-3);
        _updater = Updater.Create(spec, _p.Length);
        _rows = Enumerable.Range(0, _train.Rows).ToArray();
    }

    /// <summary>The floor the goals are set against: reading the 28 MB data matrix twice,
    /// sequentially, in the same run (one pass for the forward products, one for the gradient).</summary>
    [Benchmark(Description = "stream X twice (floor)")]
    public double StreamTwice()
    {
        var v = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(_train.X);
        System.Numerics.Vector<double> a = default, b = default;
        for (var pass = 0; pass < 2; pass++)
            for (var k = 0; k + 1 < v.Length; k += 2)
            {
                a += v[k];
                b += v[k + 1];
            }
        return System.Numerics.Vector.Sum(a + b);
    }

    [Benchmark(Description = "epoch")]
    public void Epoch()
    {
        Splits.Shuffle(_rows, ref _rng);
        for (var start = 0; start < _rows.Length; start += 64)
        {
            var batch = _rows.AsSpan(start, Math.Min(64, _rows.Length - start));
            _model.LossAndGradient(_p, _train, batch, _g, training: true);
            _updater.Apply(_p, _g);
        }
    }
}
