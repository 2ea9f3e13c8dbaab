using System.Text.RegularExpressions;
using System.Xml.Linq;
using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Cluster.Tests.Architecture;

/// <summary>What depends on what: projects and Cluster's folders point one way, and the domain carries no driver or plotting library.</summary>
public sealed partial class LayeringTests
{
    private static IEnumerable<string> References(string project, string kind) =>
        XDocument.Load(Path.Combine(RepoPaths.Root, "src", project, project + ".csproj"))
            .Descendants(kind).Select(e => (string)e.Attribute("Include")!);

    [Fact]
    public void The_actor_assembly_draws_nothing_and_the_domain_holds_no_database_driver()
    {
        Assert.DoesNotContain(References("LeeMl.Sweep.Cluster", "ProjectReference"), r => r.Contains("Reporting", StringComparison.Ordinal));
        Assert.DoesNotContain(References("LeeMl.Sweep.Cluster", "PackageReference"), p => p is "ScottPlot" or "SkiaSharp.NativeAssets.Linux.NoDependencies");
        Assert.DoesNotContain(References("LeeMl.Sweep.Experiments", "PackageReference"), p => p is "Npgsql" or "Microsoft.Data.Sqlite");
        // And so in the built assemblies: nothing of them is loaded with the actors or the domain.
        var cluster = typeof(LeeMl.Sweep.Cluster.Workers.TrialWorker).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("LeeMl.Sweep.Reporting", cluster);
        Assert.DoesNotContain("ScottPlot", cluster);
        var domain = typeof(Experiments.Specs.SpecParser).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("Npgsql", domain);
        Assert.DoesNotContain("Microsoft.Data.Sqlite", domain);
    }

    [Fact]
    public void No_two_folders_of_the_cluster_project_depend_on_each_other()
    {
        var root = Path.Combine(RepoPaths.Root, "src", "LeeMl.Sweep.Cluster");
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).Cast<string>().ToList();
        Assert.Contains("Protocol", folders);
        var uses = folders.ToDictionary(f => f, f => UsedFolders(Path.Combine(root, f), f, folders));
        var both = from a in folders from b in uses[a] where string.CompareOrdinal(a, b) < 0 && uses[b].Contains(a) select $"{a} <-> {b}";
        Assert.Empty(both);
        Assert.Empty(uses["Protocol"]);   // the protocol is the bottom layer every other folder speaks
    }

    /// <summary>Folders a folder's code names: a <c>using</c> of their namespace, or a name qualified by it.</summary>
    private static HashSet<string> UsedFolders(string dir, string self, IReadOnlyList<string> folders)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(dir, "*.cs", SearchOption.AllDirectories))
        {
            var code = Comment().Replace(File.ReadAllText(file), "");
            foreach (var other in folders.Where(f => f != self))
                if (code.Contains($"using LeeMl.Sweep.Cluster.{other};", StringComparison.Ordinal) || Regex.IsMatch(code, $@"(?<![\w.]){other}\.[A-Z]"))
                    used.Add(other);
        }
        return used;
    }

    [GeneratedRegex(@"//.*")]
    private static partial Regex Comment();
}
