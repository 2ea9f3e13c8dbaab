using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace LeeMl.Sweep.Experiments.Specs;

/// <summary>
/// How large a spec may be, checked before the spec is read into a tree: its size in bytes, how
/// deeply it nests and how many values it holds once YAML aliases are expanded. A spec over them
/// (a "billion laughs" of aliases, ten thousand nested brackets) is refused in one streaming pass
/// whose memory does not depend on the input's shape.
/// </summary>
public static class SpecLimits
{
    /// <summary>A spec is a page of settings: a megabyte is already far more than any real one.</summary>
    public const int MaxBytes = 1 << 20;

    public const int MaxDepth = 32;

    /// <summary>Scalars, lists and mappings, counting each alias as the whole value it stands for.</summary>
    public const long MaxValues = 100_000;

    /// <summary>A sweep's name starts its job id (<see cref="Store.JobIds"/>), which names a folder and appears in every message.</summary>
    public const int MaxNameLength = 64;

    public static void CheckSize(long bytes, string file)
    {
        if (bytes > MaxBytes)
            throw new SpecException($"{file}: the spec is {bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes, over the limit of {MaxBytes.ToString("N0", CultureInfo.InvariantCulture)} (a spec names data files; it does not hold data)");
    }

    /// <summary>Walks the text's parse events (no tree is built) and refuses one that nests or expands too far.</summary>
    public static void CheckShape(string text, string file)
    {
        var parser = new Parser(new StringReader(text));
        var open = new Stack<(string? Anchor, long ValuesBefore)>();
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        long values = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case NodeEvent { } node when node is SequenceStart or MappingStart:
                    if (open.Count >= MaxDepth)
                        throw new SpecException($"{file}:{node.Start.Line}:{node.Start.Column}: the spec nests deeper than {MaxDepth} levels");
                    open.Push((node.Anchor.IsEmpty ? null : node.Anchor.Value, values));
                    values++;
                    break;
                case SequenceEnd or MappingEnd:
                    var (anchor, before) = open.Pop();
                    if (anchor is not null) sizes[anchor] = values - before;
                    break;
                case Scalar scalar:
                    values++;
                    if (!scalar.Anchor.IsEmpty) sizes[scalar.Anchor.Value] = 1;
                    break;
                case AnchorAlias alias:
                    values += sizes.GetValueOrDefault(alias.Value.Value, 1);
                    break;
            }
            if (values > MaxValues)
                throw new SpecException($"{file}:{parser.Current!.Start.Line}: the spec holds more than {MaxValues.ToString("N0", CultureInfo.InvariantCulture)} values once its aliases (*name) are expanded");
        }
    }
}
