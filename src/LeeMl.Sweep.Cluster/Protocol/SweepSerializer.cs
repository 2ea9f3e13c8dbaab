using LeeMl.Sweep.Cluster.Protocol;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;

namespace LeeMl.Sweep.Cluster.Protocol;

/// <summary>
/// System.Text.Json (source-generated) for <see cref="ISweepMessage"/> with short, stable
/// manifests (the record's name), so nothing on the wire depends on CLR assembly names, and a
/// message of an unknown kind is refused rather than instantiated. Messages carry no actor
/// references: replies go to the sender Akka already tracks.
/// </summary>
public sealed class SweepSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private static readonly Dictionary<string, JsonTypeInfo> Types = typeof(ISweepMessage).Assembly.GetTypes()
        .Where(t => typeof(ISweepMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
        .ToDictionary(t => t.Name, t => ProtocolJson.Default.GetTypeInfo(t) ?? throw new InvalidOperationException($"{t.Name} is missing from ProtocolJson"));

    public const int Id = 7400;

    public override int Identifier => Id;

    public override string Manifest(object o) => o.GetType().Name;

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, Types[obj.GetType().Name]);

    /// <summary>A message of a known kind that passes <see cref="MessageChecks"/>; anything else is refused here, before any actor.</summary>
    public override object FromBinary(byte[] bytes, string manifest) => Read(bytes, manifest, Types);

    /// <summary>The kinds of message this serializer reads, by manifest.</summary>
    internal static IReadOnlyCollection<Type> Kinds => Types.Values.Select(t => t.Type).ToList();

    /// <summary>Reads a message of one of <paramref name="kinds"/>; refuses an unknown manifest, bad JSON, and a message that fails its check or has none.</summary>
    internal static ISweepMessage Read(byte[] bytes, string manifest, IReadOnlyDictionary<string, JsonTypeInfo> kinds)
    {
        if (!kinds.TryGetValue(manifest, out var type)) throw Refused($"unknown message kind '{Experiments.Text.Printable.Escape(manifest[..Math.Min(manifest.Length, 100)])}'");
        object? message;
        try
        {
            message = JsonSerializer.Deserialize(bytes, type);
        }
        catch (JsonException e)
        {
            throw Refused($"a {manifest} that is not well-formed JSON ({e.Message})");
        }
        if (message is not ISweepMessage m) throw Refused($"an empty {manifest}");
        return MessageChecks.Problem(m) is { } problem ? throw Refused($"a {manifest}: {problem}") : m;
    }

    private static System.Runtime.Serialization.SerializationException Refused(string why) => new($"refused {why}");
}

// NaN stands for "no such value" (no validation set yet); the wire allows it, the canonical results files do not.
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, UseStringEnumConverter = true)]
[JsonSerializable(typeof(WakeJob))]
[JsonSerializable(typeof(OfferSlots))]
[JsonSerializable(typeof(GetJobSpec))]
[JsonSerializable(typeof(TrialProgress))]
[JsonSerializable(typeof(TrialOutput))]
[JsonSerializable(typeof(TrialFinished))]
[JsonSerializable(typeof(CurveChunk))]
[JsonSerializable(typeof(TrialRung))]
[JsonSerializable(typeof(RungDecision))]
[JsonSerializable(typeof(TrialFault))]
[JsonSerializable(typeof(WorkerHolds))]
[JsonSerializable(typeof(HandBack))]
[JsonSerializable(typeof(GetJobStatus))]
[JsonSerializable(typeof(GetLiveTrials))]
[JsonSerializable(typeof(LiveTrials))]
[JsonSerializable(typeof(CancelJob))]
[JsonSerializable(typeof(JobSpecText))]
[JsonSerializable(typeof(AssignTrials))]
[JsonSerializable(typeof(ResultsStored))]
[JsonSerializable(typeof(ChunkStored))]
[JsonSerializable(typeof(CancelTrials))]
[JsonSerializable(typeof(HandBackDone))]
[JsonSerializable(typeof(CancelReply))]
[JsonSerializable(typeof(ChangeJob))]
[JsonSerializable(typeof(ChangeReply))]
[JsonSerializable(typeof(WorkerHeartbeat))]
[JsonSerializable(typeof(RequestWork))]
[JsonSerializable(typeof(NoWork))]
[JsonSerializable(typeof(WorkAvailable))]
[JsonSerializable(typeof(JobPending))]
[JsonSerializable(typeof(GetNodes))]
[JsonSerializable(typeof(NodesReply))]
[JsonSerializable(typeof(WhichStore))]
[JsonSerializable(typeof(StoreInUse))]
[JsonSerializable(typeof(FetchBlobChunk))]
[JsonSerializable(typeof(BlobChunk))]
[JsonSerializable(typeof(JobView))]
internal sealed partial class ProtocolJson : JsonSerializerContext;
