using LeeMl.Sweep.Learning.Compilation;
using LeeMl.Sweep.Learning.Models;

namespace LeeMl.Sweep.Learning.Tests.Compilation;

public sealed class HotLoopsTests
{
    /// <summary>Every training loop marked for full optimisation is compiled: the products, the kernels, the network's passes.</summary>
    [Fact]
    public void Every_method_marked_for_full_optimisation_is_compiled_and_the_rest_are_not()
    {
        var marked = typeof(NeuralNet).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly))
            .Count(m => (m.MethodImplementationFlags & System.Reflection.MethodImplAttributes.AggressiveOptimization) != 0);
        Assert.True(marked >= 12, $"{marked} marked methods");   // Gemm, Kernels, NeuralNet, LogisticRegression, Splits, TrainingRun
        Assert.Equal(marked, HotLoops.Compile(typeof(NeuralNet).Assembly));
    }
}
