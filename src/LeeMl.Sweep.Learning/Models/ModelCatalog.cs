using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Optim.Hyper;
using Range = LeeMl.Sweep.Optim.Hyper.Range;

namespace LeeMl.Sweep.Learning.Models;

/// <summary>A model built from a spec: either fitted in closed form or trained by an optimizer.</summary>
public abstract record ModelKind
{
    public sealed record ClosedForm(IClosedFormModel Model) : ModelKind;
    public sealed record Differentiable(IDifferentiableModel Model) : ModelKind;
}

/// <summary>The classifiers by name, used alike by sweep specs and the CLI.</summary>
public static class ModelCatalog
{
    public static readonly IReadOnlyList<string> Names =
        ["gaussian-separate", "gaussian-shared", "naive-bayes", "bernoulli-nb", "logistic", "logistic-mse", "softmax", "mlp"];

    /// <summary>Closed-form models take no optimizer: sweeps drop the optimizer axes for them.</summary>
    public static bool IsClosedForm(string name) => Canonical(name) is "gaussian-separate" or "gaussian-shared" or "naive-bayes" or "bernoulli-nb";

    public const string Help = """
          gaussian-separate  Gaussian generative model, a covariance per class (alias qda)
          gaussian-shared    Gaussian generative model, one shared covariance (alias lda)
          naive-bayes        Gaussian naive Bayes
          bernoulli-nb       Bernoulli naive Bayes (features binarised at > 0)
          logistic           logistic regression, cross-entropy (two classes)
          logistic-mse       logistic regression trained on square error (the lecture's counter-example)
          softmax            softmax regression (any number of classes)
          mlp                hidden=64, hidden2=0 (a second layer), activation=relu|tanh|sigmoid, dropout=0
        Every trained model (all but the first four) also takes batch_size: rows per mini-batch,
        for this model's trials (a sweep's batch_size otherwise), so that a search can draw it.
        """;

    /// <summary>The rows per mini-batch a trained model's trials use: its own batch_size, else <paramref name="sweepBatch"/>.</summary>
    public static int BatchSize(ComponentSpec spec, int sweepBatch) =>
        spec.Params.TryGetValue("batch_size", out var v) && v is ParamValue.Number n ? (int)n.Value : sweepBatch;

    private static string Canonical(string name) => name switch { "lda" => "gaussian-shared", "qda" => "gaussian-separate", _ => name };

    public static ModelKind Create(ComponentSpec spec, int features, int classes, ulong seed = 0)
    {
        var h = new Hyperparameters(spec, "model");
        var name = Canonical(spec.Name);
        if (!IsClosedForm(name)) h.Int("batch_size", 32, new Range(1, true, 1_000_000, true));   // read by the trial, checked here with the rest
        if (name is "logistic" or "logistic-mse" && classes != 2)
            throw new HyperparameterException($"model '{spec.Name}' is for two classes; this data has {classes} (use softmax or mlp)");
        ModelKind kind = name switch
        {
            "gaussian-separate" => new ModelKind.ClosedForm(new GaussianGenerative(sharedCovariance: false)),
            "gaussian-shared" => new ModelKind.ClosedForm(new GaussianGenerative(sharedCovariance: true)),
            "naive-bayes" => new ModelKind.ClosedForm(new NaiveBayes(bernoulli: false)),
            "bernoulli-nb" => new ModelKind.ClosedForm(new NaiveBayes(bernoulli: true)),
            "logistic" => new ModelKind.Differentiable(new LogisticRegression(features, squareError: false)),
            "logistic-mse" => new ModelKind.Differentiable(new LogisticRegression(features, squareError: true)),
            "softmax" => new ModelKind.Differentiable(new NeuralNet(features, classes, CheckWeights("softmax", [features, classes]))),
            "mlp" => Mlp(h, features, classes, seed),
            _ => throw new HyperparameterException($"unknown model '{spec.Name}'; known: {string.Join(", ", Names)}"),
        };
        h.EnsureAllUsed();
        return kind;
    }

    /// <summary>A model's weights and their optimizer state must fit one worker's memory many times over (one per slot).</summary>
    public const long MaxWeights = 20_000_000;

    private static ModelKind Mlp(Hyperparameters h, int features, int classes, ulong seed)
    {
        var hidden = h.Int("hidden", 64, new Range(1, true, 1_000_000, true));
        var hidden2 = h.Int("hidden2", 0, new Range(0, true, 1_000_000, true));
        var activation = h.Choice("activation", "relu", "relu", "tanh", "sigmoid") switch
        {
            "tanh" => Activation.Tanh,
            "sigmoid" => Activation.Sigmoid,
            _ => Activation.Relu,
        };
        var dropout = h.Double("dropout", 0, Range.DecayRate);
        int[] layers = hidden2 > 0 ? [hidden, hidden2] : [hidden];
        CheckWeights("mlp", [features, .. layers, classes]);
        return new ModelKind.Differentiable(new NeuralNet(features, classes, layers, activation, dropout, seed));
    }

    /// <summary>Layer sizes whose weights (with biases) stay under <see cref="MaxWeights"/>; counted in 64 bits, so no size overflows.</summary>
    private static int[] CheckWeights(string model, int[] sizes)
    {
        long weights = 0;
        for (var i = 0; i + 1 < sizes.Length; i++) weights += (sizes[i] + 1L) * sizes[i + 1];
        if (weights > MaxWeights)
            throw new HyperparameterException($"model '{model}' would have {weights:N0} weights ({string.Join(" x ", sizes)}), over the limit of {MaxWeights:N0}");
        return sizes[1..^1];
    }

    /// <summary>Checks that data fits a model before anything trains.</summary>
    public static void CheckData(Dataset train, int batchSize)
    {
        if (train.Rows < batchSize)
            throw new DataException($"the training data has {train.Rows} rows, fewer than one batch of {batchSize}");
    }
}
