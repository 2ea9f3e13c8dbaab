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
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>The methods of <paramref name="assembly"/> marked AggressiveOptimization in non-generic types.</summary>
    public static IEnumerable<MethodInfo> Marked(Assembly assembly) =>
        from type in assembly.GetTypes()
        where !type.ContainsGenericParameters
        from method in type.GetMethods(Declared)
        where !method.IsAbstract && (method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0
        select method;

    /// <summary>
    /// Compiles every marked method of <paramref name="assemblies"/>; a generic one (a loop written
    /// once for several vector widths) once for each value type of its own assembly that its
    /// constraints admit. Returns how many bodies were compiled.
    /// </summary>
    public static int Compile(params Assembly[] assemblies)
    {
        var count = 0;
        foreach (var assembly in assemblies)
        {
            var structs = assembly.GetTypes().Where(t => t.IsValueType && !t.ContainsGenericParameters).ToList();
            foreach (var method in Marked(assembly))
            {
                if (!method.IsGenericMethodDefinition)
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                    count++;
                    continue;
                }
                if (method.GetGenericArguments().Length != 1) continue;
                foreach (var type in structs.Where(t => Admits(method, t)))
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle, [type.TypeHandle]);
                    count++;
                }
            }
        }
        return count;
    }

    private static bool Admits(MethodInfo method, Type argument)
    {
        try
        {
            method.MakeGenericMethod(argument);
            return true;
        }
        catch (ArgumentException)
        {
            return false;   // the type breaks a constraint
        }
    }
}
