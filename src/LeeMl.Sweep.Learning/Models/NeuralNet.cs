using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Learning.Models;

public enum Activation { Relu, Tanh, Sigmoid }

/// <summary>
/// A fully connected network with a softmax output and cross-entropy loss. With no hidden layer it
/// is softmax regression (started at zero); with one or two hidden layers an MLP (He or Xavier
/// initialisation, inverted dropout on hidden units while training). Parameters per layer:
/// W (out × in, row-major) then b. Works one row at a time in buffers made once, so a batch
/// allocates nothing.
/// </summary>
public sealed class NeuralNet : IDifferentiableModel
{
    private readonly int[] _sizes;            // features, hidden..., classes
    private readonly int[] _offsets;          // where layer l's W starts
    private readonly Activation _activation;
    private readonly double _dropout;
    private readonly double[][] _a;           // activations per layer (a[0] unused: the input row)
    private readonly double[][] _delta;       // back-propagated errors per layer
    private readonly double[][] _mask;        // dropout scale per hidden unit (0 or 1/(1−p))
    private Xoshiro256 _dropoutRng;

    public NeuralNet(int features, int classes, IReadOnlyList<int> hidden, Activation activation = Activation.Relu, double dropout = 0, ulong seed = 0)
    {
        if (hidden.Count > 2 || hidden.Any(h => h < 1)) throw new ArgumentException("0, 1 or 2 hidden layers of at least one unit");
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "0 <= dropout < 1");
        _sizes = [features, .. hidden, classes];
        _offsets = new int[_sizes.Length];
        var total = 0;
        for (var l = 1; l < _sizes.Length; l++)
        {
            _offsets[l] = total;
            total += _sizes[l] * _sizes[l - 1] + _sizes[l];
        }
        ParameterCount = total;
        Classes = classes;
        _activation = activation;
        _dropout = dropout;
        _a = [.. _sizes.Select(s => new double[s])];
        _delta = [.. _sizes.Select(s => new double[s])];
        _mask = [.. _sizes.Select(s => new double[s])];
        _dropoutRng = new Xoshiro256(seed ^ 0xD5090UL);
    }

    public int ParameterCount { get; }

    public int Classes { get; }

    private int Layers => _sizes.Length - 1;

    public void Initialize(Span<double> p, ref Xoshiro256 rng)
    {
        p.Clear();
        if (Layers == 1) return;   // softmax regression: zeros, like the logistic model
        for (var l = 1; l <= Layers; l++)
        {
            int fanIn = _sizes[l - 1], fanOut = _sizes[l];
            var limit = _activation == Activation.Relu && l < Layers ? Math.Sqrt(6.0 / fanIn) : Math.Sqrt(6.0 / (fanIn + fanOut));
            var w = p.Slice(_offsets[l], fanIn * fanOut);
            for (var k = 0; k < w.Length; k++) w[k] = (2 * rng.NextDouble() - 1) * limit;
        }
    }

    /// <summary>Forward pass of one row; leaves class probabilities in _a[^1]; returns the row's loss.</summary>
    private double Forward(ReadOnlySpan<double> p, ReadOnlySpan<double> x, int label, bool training)
    {
        var input = x;
        for (var l = 1; l <= Layers; l++)
        {
            int n = _sizes[l], m = _sizes[l - 1];
            var w = p.Slice(_offsets[l], n * m);
            var b = p.Slice(_offsets[l] + n * m, n);
            var output = _a[l];
            for (var k = 0; k < n; k++)
                output[k] = Kernels.Dot(w.Slice(k * m, m), input) + b[k];
            if (l < Layers)
            {
                for (var k = 0; k < n; k++)
                {
                    output[k] = Activate(output[k]);
                    if (training && _dropout > 0)
                    {
                        _mask[l][k] = _dropoutRng.NextDouble() < _dropout ? 0 : 1 / (1 - _dropout);
                        output[k] *= _mask[l][k];
                    }
                }
            }
            input = output;
        }
        Kernels.Softmax(_a[Layers]);
        return -Math.Log(Math.Max(_a[Layers][label], 1e-300));   // NaN logits stay NaN: Math.Max keeps NaN
    }

    private double Activate(double z) => _activation switch
    {
        Activation.Relu => z > 0 ? z : 0,
        Activation.Tanh => Math.Tanh(z),
        _ => Kernels.Sigmoid(z),
    };

    /// <summary>dσ/dz written in terms of the activation's output a.</summary>
    private double Derivative(double a) => _activation switch
    {
        Activation.Relu => a > 0 ? 1 : 0,
        Activation.Tanh => 1 - a * a,
        _ => a * (1 - a),
    };

    public double LossAndGradient(ReadOnlySpan<double> p, Dataset data, ReadOnlySpan<int> rows, Span<double> gradient, bool training)
    {
        gradient.Clear();
        double loss = 0;
        var useDropout = training && _dropout > 0;
        foreach (var i in rows)
        {
            var x = data.Row(i);
            loss += Forward(p, x, data.Y[i], training);
            // Output error of softmax + cross-entropy: p − onehot(y).
            var delta = _delta[Layers];
            _a[Layers].CopyTo(delta, 0);
            delta[data.Y[i]] -= 1;
            for (var l = Layers; l >= 1; l--)
            {
                int n = _sizes[l], m = _sizes[l - 1];
                var input = l == 1 ? x : _a[l - 1];
                var gw = gradient.Slice(_offsets[l], n * m);
                var gb = gradient.Slice(_offsets[l] + n * m, n);
                for (var k = 0; k < n; k++)
                {
                    Kernels.Axpy(_delta[l][k], input, gw.Slice(k * m, m));
                    gb[k] += _delta[l][k];
                }
                if (l == 1) break;
                // δ_{l−1} = (Wᵀ δ_l) ⊙ f'(a_{l−1}) (⊙ dropout mask)
                var below = _delta[l - 1];
                Array.Clear(below);
                var w = p.Slice(_offsets[l], n * m);
                for (var k = 0; k < n; k++) Kernels.Axpy(_delta[l][k], w.Slice(k * m, m), below);
                for (var j = 0; j < m; j++)
                {
                    var mask = useDropout ? _mask[l - 1][j] : 1;
                    var activated = mask == 0 ? 0 : _a[l - 1][j] / mask;   // undo the scale to get f(z)
                    below[j] *= Derivative(activated) * mask;
                }
            }
        }
        var scale = 1.0 / rows.Length;
        for (var k = 0; k < gradient.Length; k++) gradient[k] *= scale;
        return loss * scale;
    }

    public double Evaluate(ReadOnlySpan<double> p, ReadOnlySpan<double> x, int label, Span<double> scores)
    {
        var loss = Forward(p, x, Math.Clamp(label, 0, Classes - 1), training: false);
        _a[Layers].CopyTo(scores);
        return loss;
    }
}
