using System.Runtime.CompilerServices;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>The API secrets of the nodes these tests start go to a folder of this run (inherited by every process it starts), not the account's own.</summary>
internal static class RuntimeFolder
{
    [ModuleInitializer]
    internal static void Use()
    {
        var folder = Directory.CreateTempSubdirectory("leeml-runtime-").FullName;
        Environment.SetEnvironmentVariable("LEEML_RUNTIME_DIR", folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        };
    }
}
