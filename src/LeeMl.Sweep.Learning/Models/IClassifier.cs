using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Optim.Noise;

namespace LeeMl.Sweep.Learning.Models;

/// <summary>A fitted classifier: one score per class (log-probabilities or logits); the arg-max is the prediction.</summary>
public interface IClassifier
{
    int Classes { get; }

    void Scores(ReadOnlySpan<double> x, Span<double> scores);
}

/// <summary>A model fitted in closed form (the generative models): no optimizer, no epochs.</summary>
public interface IClosedFormModel
{
    IClassifier Fit(Dataset train);
}

/// <summary>A model trained by gradient descent; parameters live outside it, in one flat vector.</summary>
public interface IDifferentiableModel
{
    int ParameterCount { get; }

    int Classes { get; }

    void Initialize(Span<double> parameters, ref Xoshiro256 rng);

    /// <summary>Mean loss over <paramref name="rows"/> of <paramref name="data"/>; writes the mean gradient.
    /// <paramref name="training"/> switches dropout on.</summary>
    double LossAndGradient(ReadOnlySpan<double> parameters, Dataset data, ReadOnlySpan<int> rows, Span<double> gradient, bool training);

    /// <summary>Summed loss and number of rows classified right over the whole of <paramref name="data"/>
    /// (no gradient, no dropout).</summary>
    (double LossSum, int Correct) Measure(ReadOnlySpan<double> parameters, Dataset data);

    /// <summary>The loss of one row (no gradient, no dropout) and its class scores.</summary>
    double Evaluate(ReadOnlySpan<double> parameters, ReadOnlySpan<double> x, int label, Span<double> scores);
}

public static class Classifiers
{
    public static int ArgMax(ReadOnlySpan<double> scores)
    {
        var best = 0;
        for (var k = 1; k < scores.Length; k++) if (scores[k] > scores[best]) best = k;
        return best;
    }

    public static double Accuracy(IClassifier classifier, Dataset data)
    {
        Span<double> scores = stackalloc double[classifier.Classes];
        var right = 0;
        for (var i = 0; i < data.Rows; i++)
        {
            classifier.Scores(data.Row(i), scores);
            if (ArgMax(scores) == data.Y[i]) right++;
        }
        return (double)right / data.Rows;
    }

    /// <summary>Mean loss and accuracy of a differentiable model on a whole dataset.</summary>
    public static (double Loss, double Accuracy) Evaluate(IDifferentiableModel model, ReadOnlySpan<double> parameters, Dataset data)
    {
        var (loss, correct) = model.Measure(parameters, data);
        return (loss / data.Rows, (double)correct / data.Rows);
    }
}

/// <summary>A trained differentiable model frozen at its parameters.</summary>
public sealed class FrozenModel(IDifferentiableModel model, double[] parameters) : IClassifier
{
    public int Classes => model.Classes;

    public void Scores(ReadOnlySpan<double> x, Span<double> scores) => model.Evaluate(parameters, x, 0, scores);
}
