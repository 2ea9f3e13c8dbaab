using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;

namespace LeeMl.Sweep.Cluster.Protocol;

/// <summary>
/// System.Text.Json for <see cref="ISweepMessage"/> with short, stable manifests (the record's
/// name), so nothing on the wire depends on CLR assembly names. Messages carry no actor
/// references: replies go to the sender Akka already tracks.
/// </summary>
public sealed class SweepSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private static readonly Dictionary<string, Type> Types = typeof(ISweepMessage).Assembly.GetTypes()
        .Where(t => typeof(ISweepMessage).IsAssignableFrom(t) && !t.IsInterface)
        .ToDictionary(t => t.Name, t => t);

    // NaN stands for "no such value" (no validation set yet); JSON has no NaN literal by default.
    private static readonly JsonSerializerOptions Options = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public override int Identifier => 7400;

    public override string Manifest(object o) => o.GetType().Name;

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Options);

    public override object FromBinary(byte[] bytes, string manifest) =>
        Types.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, Options) ?? throw new System.Runtime.Serialization.SerializationException($"empty {manifest}")
            : throw new System.Runtime.Serialization.SerializationException($"unknown message kind '{manifest}'");
}
