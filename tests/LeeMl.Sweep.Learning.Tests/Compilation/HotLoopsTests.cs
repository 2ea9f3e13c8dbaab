using LeeMl.Sweep.Learning.Compilation;
using LeeMl.Sweep.Learning.Models;

namespace LeeMl.Sweep.Learning.Tests.Compilation;

public sealed class HotLoopsTests
{
    /// <summary>
    /// Every training loop marked for full optimisation is compiled: the kernels, the network's
    /// passes, and the blocked products once for each vector width they are written for.
    /// </summary>
    [Fact]
    public void Every_marked_method_is_compiled_and_the_blocked_products_once_per_width()
    {
        var marked = HotLoops.Marked(typeof(NeuralNet).Assembly).ToList();
        var generic = marked.Where(m => m.IsGenericMethodDefinition).Select(m => m.Name).Order().ToList();
        Assert.Equal(["GradientBlocks", "GradientColumns", "MultiplyBlocks"], generic);
        Assert.True(marked.Count >= 12, $"{marked.Count} marked methods");   // Gemm, Kernels, NeuralNet, LogisticRegression, Splits, TrainingRun
        Assert.Equal(marked.Count - generic.Count + 2 * generic.Count, HotLoops.Compile(typeof(NeuralNet).Assembly));
    }
}
