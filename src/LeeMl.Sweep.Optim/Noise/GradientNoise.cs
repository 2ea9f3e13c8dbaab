using System.Runtime.CompilerServices;
namespace LeeMl.Sweep.Optim.Noise;

/// <summary>
/// Annealed Gaussian gradient noise (Neelakantan et al. 2015): g + n, n ~ N(0, σᵢ²I) with
/// σᵢ² = eta/(1+i)^gamma at the 0-based step i. It is added to the objective's gradient before
/// the optimizer sees it, so before any coupled L2 term. Seeded: the same seed gives the same noise.
/// </summary>
public sealed class GradientNoise
{
    private Xoshiro256 _rng;

    public GradientNoise(double eta, double gamma, ulong seed)
    {
        if (!(eta >= 0) || !double.IsFinite(eta)) throw new Hyper.HyperparameterException($"gradient noise: eta = {eta} is out of range; allowed: 0 <= eta");
        if (!(gamma >= 0) || !double.IsFinite(gamma)) throw new Hyper.HyperparameterException($"gradient noise: gamma = {gamma} is out of range; allowed: 0 <= gamma");
        Eta = eta;
        Gamma = gamma;
        _rng = new Xoshiro256(seed);
    }

    public double Eta { get; }

    public double Gamma { get; }

    /// <summary>σᵢ, the standard deviation at step i.</summary>
    public double Sigma(long step) => Math.Sqrt(Eta / Math.Pow(1 + step, Gamma));

    /// <summary>noisy = gradient + n at step i. The two spans may be the same.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(ReadOnlySpan<double> gradient, Span<double> noisy, long step)
    {
        var sigma = Sigma(step);
        for (var i = 0; i < gradient.Length; i++)
            noisy[i] = gradient[i] + sigma * _rng.NextGaussian();
    }
}
