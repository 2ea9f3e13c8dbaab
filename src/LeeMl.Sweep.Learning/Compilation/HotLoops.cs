using System.Reflection;
using System.Runtime.CompilerServices;

namespace LeeMl.Sweep.Learning.Compilation;

/// <summary>
/// The training loops are marked <see cref="MethodImplOptions.AggressiveOptimization"/>: they are
/// compiled, fully optimised, when first called, and ahead-of-time images leave them out. A process
/// that trains soon after it starts can compile them beforehand on an idle core instead of in its
/// first trials, where every slot waits for the same compilations.
/// </summary>
public static class HotLoops
{
    /// <summary>Compiles every non-generic method of <paramref name="assemblies"/> marked AggressiveOptimization; returns how many.</summary>
    public static int Compile(params Assembly[] assemblies)
    {
        var count = 0;
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var assembly in assemblies)
            foreach (var type in assembly.GetTypes())
            {
                if (type.ContainsGenericParameters) continue;
                foreach (var method in type.GetMethods(all))
                {
                    if (method.IsAbstract || method.ContainsGenericParameters) continue;
                    if ((method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) == 0) continue;
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                    count++;
                }
            }
        return count;
    }
}
