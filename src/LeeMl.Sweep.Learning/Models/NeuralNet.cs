using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Learning.Models;

public enum Activation { Relu, Tanh, Sigmoid }

/// <summary>
/// A fully connected network with a softmax output and cross-entropy loss. With no hidden layer it
/// is softmax regression (started at zero); with one or two hidden layers an MLP (He or Xavier
/// initialisation, inverted dropout on hidden units while training). Parameters per layer:
/// W (out × in, row-major) then b. A mini-batch runs as whole-batch matrix products
/// (<see cref="Gemm"/>) in buffers that grow to the largest batch once, so steady-state batches
/// allocate nothing.
/// </summary>
public sealed class NeuralNet : IDifferentiableModel
{
    private const int EvaluationChunk = 64;    // rows per forward pass when measuring a whole dataset

    private readonly int[] _sizes;            // features, hidden..., classes
    private readonly int[] _offsets;          // where layer l's W starts
    private readonly Activation _activation;
    private readonly double _dropout;
    private Xoshiro256 _dropoutRng;
    private int _capacity;                    // rows the batch buffers hold
    private double[] _input = [];             // the batch's rows, gathered (rows × features)
    private int[] _labels = [];               // the batch's labels
    private double[] _sums = [];              // per-row softmax denominators
    private double[][] _a;                    // activations per layer (rows × units); a[0] unused
    private double[][] _delta;                // back-propagated errors per layer (rows × units)
    private double[][] _mask;                 // dropout scale per hidden unit (0 or 1/(1−p))
    private readonly double[] _transposed;    // Wᵀ of the layer being computed

    public NeuralNet(int features, int classes, IReadOnlyList<int> hidden, Activation activation = Activation.Relu, double dropout = 0, ulong seed = 0)
    {
        if (hidden.Count > 2 || hidden.Any(h => h < 1)) throw new ArgumentException("0, 1 or 2 hidden layers of at least one unit");
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "0 <= dropout < 1");
        _sizes = [features, .. hidden, classes];
        _offsets = new int[_sizes.Length];
        var total = 0;
        var largest = 0;
        for (var l = 1; l < _sizes.Length; l++)
        {
            _offsets[l] = total;
            total += _sizes[l] * _sizes[l - 1] + _sizes[l];
            largest = Math.Max(largest, _sizes[l] * _sizes[l - 1]);
        }
        ParameterCount = total;
        Classes = classes;
        _activation = activation;
        _dropout = dropout;
        _a = _delta = _mask = [];
        _transposed = new double[largest];
        _dropoutRng = new Xoshiro256(seed ^ 0xD5090UL);
        EnsureCapacity(EvaluationChunk);
    }

    public int ParameterCount { get; }

    public int Classes { get; }

    private int Layers => _sizes.Length - 1;

    private void EnsureCapacity(int rows)
    {
        if (rows > _capacity) Grow(rows);   // the lambdas below would allocate their closure on every call if inlined here
    }

    private void Grow(int rows)
    {
        _capacity = rows;
        _input = new double[rows * _sizes[0]];
        _labels = new int[rows];
        _sums = new double[rows];
        _a = [.. _sizes.Select(s => new double[rows * s])];
        _delta = [.. _sizes.Select(s => new double[rows * s])];
        _mask = [.. _sizes.Select(s => new double[rows * s])];
    }

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

    /// <summary>Forward pass of <paramref name="rows"/> rows of <paramref name="x"/> (rows × features);
    /// leaves class probabilities in _a[^1]; returns the summed loss over the rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Forward(ReadOnlySpan<double> p, ReadOnlySpan<double> x, ReadOnlySpan<int> labels, int rows, bool training)
    {
        ReadOnlySpan<double> input = x;
        for (var l = 1; l <= Layers; l++)
        {
            int n = _sizes[l], m = _sizes[l - 1];
            var w = p.Slice(_offsets[l], n * m);
            var b = p.Slice(_offsets[l] + n * m, n);
            var output = _a[l].AsSpan(0, rows * n);
            // Wide layers of a real batch: one matrix product over Wᵀ. Narrow ones (the class
            // scores) or a single row: dot products against W's rows, no transpose to pay for.
            if (rows >= 8 && n >= Vector<double>.Count)
            {
                Gemm.Transpose(w, n, m, _transposed);
                Gemm.Multiply(input, rows, m, _transposed, n, b, output);
            }
            else
            {
                Gemm.MultiplyTransposed(input, rows, m, w, n, b, output);
            }
            if (l < Layers)
            {
                Activate(output);
                if (training && _dropout > 0)
                {
                    var mask = _mask[l].AsSpan(0, rows * n);
                    var keep = 1 / (1 - _dropout);
                    for (var k = 0; k < output.Length; k++)
                    {
                        mask[k] = _dropoutRng.NextDouble() < _dropout ? 0 : keep;
                        output[k] *= mask[k];
                    }
                }
            }
            input = output;
        }
        return Kernels.SoftmaxCrossEntropy(_a[Layers], rows, Classes, labels, _sums);
    }

    private void Activate(Span<double> z)
    {
        switch (_activation)
        {
            case Activation.Relu:
                var vectors = MemoryMarshal.Cast<double, Vector<double>>(z);
                for (var k = 0; k < vectors.Length; k++) vectors[k] = Vector.Max(vectors[k], Vector<double>.Zero);
                for (var k = vectors.Length * Vector<double>.Count; k < z.Length; k++) z[k] = z[k] > 0 ? z[k] : 0;
                break;
            case Activation.Tanh:
                for (var k = 0; k < z.Length; k++) z[k] = Math.Tanh(z[k]);
                break;
            default:
                for (var k = 0; k < z.Length; k++) z[k] = Kernels.Sigmoid(z[k]);
                break;
        }
    }

    /// <summary>dσ/dz written in terms of the activation's output a.</summary>
    private double Derivative(double a) => _activation switch
    {
        Activation.Relu => a > 0 ? 1 : 0,
        Activation.Tanh => 1 - a * a,
        _ => a * (1 - a),
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double LossAndGradient(ReadOnlySpan<double> p, Dataset data, ReadOnlySpan<int> rows, Span<double> gradient, bool training)
    {
        var count = rows.Length;
        EnsureCapacity(count);
        var features = _sizes[0];
        var x = _input.AsSpan(0, count * features);
        var y = _labels.AsSpan(0, count);
        for (var r = 0; r < count; r++)
        {
            data.Row(rows[r]).CopyTo(x.Slice(r * features, features));
            y[r] = data.Y[rows[r]];
        }
        var loss = Forward(p, x, y, count, training);

        gradient.Clear();
        var useDropout = training && _dropout > 0;
        // Output error of softmax + cross-entropy: p − onehot(y).
        var classes = Classes;
        var top = _delta[Layers].AsSpan(0, count * classes);
        _a[Layers].AsSpan(0, count * classes).CopyTo(top);
        for (var r = 0; r < count; r++) top[r * classes + y[r]] -= 1;
        for (var l = Layers; l >= 1; l--)
        {
            int n = _sizes[l], m = _sizes[l - 1];
            ReadOnlySpan<double> input = l == 1 ? x : _a[l - 1].AsSpan(0, count * m);
            var delta = _delta[l].AsSpan(0, count * n);
            Gemm.AddTransposedProduct(delta, count, n, input, m, gradient.Slice(_offsets[l], n * m));
            var gb = gradient.Slice(_offsets[l] + n * m, n);
            for (var r = 0; r < count; r++) Kernels.Axpy(1, delta.Slice(r * n, n), gb);
            if (l == 1) break;
            // δ_{l−1} = (δ_l W) ⊙ f'(a_{l−1}) (⊙ dropout mask)
            var below = _delta[l - 1].AsSpan(0, count * m);
            Gemm.Multiply(delta, count, n, p.Slice(_offsets[l], n * m), m, [], below);
            Backpropagate(below, _a[l - 1].AsSpan(0, count * m), _mask[l - 1].AsSpan(0, count * m), useDropout);
        }
        var scale = 1.0 / count;
        for (var k = 0; k < gradient.Length; k++) gradient[k] *= scale;
        return loss * scale;
    }

    /// <summary>δ ← δ ⊙ f'(z) (⊙ the dropout mask), with f'(z) written in terms of the layer's output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Backpropagate(Span<double> delta, ReadOnlySpan<double> activations, ReadOnlySpan<double> masks, bool useDropout)
    {
        if (useDropout)
        {
            for (var k = 0; k < delta.Length; k++)
            {
                var mask = masks[k];
                var activated = mask == 0 ? 0 : activations[k] / mask;   // undo the scale to get f(z)
                delta[k] *= Derivative(activated) * mask;
            }
            return;
        }
        var d = MemoryMarshal.Cast<double, Vector<double>>(delta);
        var a = MemoryMarshal.Cast<double, Vector<double>>(activations);
        var one = Vector<double>.One;
        for (var k = 0; k < d.Length; k++)
        {
            d[k] = _activation switch
            {
                Activation.Relu => Vector.ConditionalSelect(Vector.GreaterThan(a[k], Vector<double>.Zero), d[k], Vector<double>.Zero),
                Activation.Tanh => d[k] * (one - a[k] * a[k]),
                _ => d[k] * a[k] * (one - a[k]),
            };
        }
        for (var k = d.Length * Vector<double>.Count; k < delta.Length; k++) delta[k] *= Derivative(activations[k]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (double LossSum, int Correct) Measure(ReadOnlySpan<double> p, Dataset data)
    {
        double loss = 0;
        var correct = 0;
        var features = _sizes[0];
        var classes = Classes;
        for (var start = 0; start < data.Rows; start += EvaluationChunk)
        {
            var rows = Math.Min(EvaluationChunk, data.Rows - start);
            var labels = data.Y.AsSpan(start, rows);
            loss += Forward(p, data.X.AsSpan(start * features, rows * features), labels, rows, training: false);
            for (var r = 0; r < rows; r++)
                if (Classifiers.ArgMax(_a[Layers].AsSpan(r * classes, classes)) == labels[r]) correct++;
        }
        return (loss, correct);
    }

    public double Evaluate(ReadOnlySpan<double> p, ReadOnlySpan<double> x, int label, Span<double> scores)
    {
        ReadOnlySpan<int> labels = [Math.Clamp(label, 0, Classes - 1)];
        var loss = Forward(p, x, labels, 1, training: false);
        _a[Layers].AsSpan(0, Classes).CopyTo(scores);
        return loss;
    }
}
