using System.Text;

namespace LeeMl.Sweep.Tests;

/// <summary>Specs built to exhaust a YAML reader, shared by the tests that feed them to the parser, the command line and the HTTP API.</summary>
public static class HostileYaml
{
    /// <summary>"Billion laughs": <paramref name="levels"/> anchors of ten aliases each to the one before, 10^levels values once expanded.</summary>
    public static string AliasBomb(int levels)
    {
        var text = new StringBuilder("name: bomb\ndata: { synthetic: blobs }\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < levels; i++) text.Append($"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        return text.Append($"models: *l{levels - 1}\n").ToString();
    }
}
