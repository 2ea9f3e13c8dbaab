using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using LeeMl.Sweep.Cluster.Protocol;

namespace LeeMl.Sweep.Cluster.Tests.Protocol;

/// <summary>The serializer is the boundary: a message that is malformed, of an unknown kind or out of range never reaches an actor.</summary>
public sealed class MessageChecksTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("checks");

    private SweepSerializer Serializer => new((ExtendedActorSystem)_system);

    public void Dispose() => _system.Dispose();

    private object Read(string manifest, string json) => Serializer.FromBinary(Encoding.UTF8.GetBytes(json), manifest);

    [Theory]
    [InlineData("CancelJob", """{"JobId":null}""", "job id is missing")]
    [InlineData("WakeJob", """{"JobId":"../../etc"}""", "job id is not an id")]
    [InlineData("HandBack", """{"JobId":"j","Node":"n","Indexes":[-1]}""", "negative trial index")]
    [InlineData("HandBack", """{"JobId":"j","Node":"n","Indexes":null}""", "no indexes")]
    [InlineData("TrialFinished", """{"JobId":"j","Index":0,"Attempt":1,"Node":"n","Result":null,"ChunksAhead":0,"Seconds":1}""", "no result")]
    [InlineData("TrialFinished", """{"JobId":"j","Index":0,"Attempt":0,"Node":"n","Result":null,"ChunksAhead":0,"Seconds":1}""", "attempt = 0")]
    [InlineData("WorkerHeartbeat", """{"Node":"n","Slots":100000,"Running":0,"Queued":0}""", "slots = 100000")]
    [InlineData("FetchBlobChunk", """{"Sha256":"/etc/passwd","Chunk":0}""", "not a SHA-256")]
    [InlineData("TrialFault", """{"JobId":"j","Index":0,"Attempt":1,"Node":"n","Error":null}""", "no error")]
    [InlineData("Kill", """{}""", "unknown message kind 'Kill'")]
    [InlineData("GetJobSpec", """{"JobId":""", "not well-formed JSON")]
    public void A_malformed_message_is_refused_by_the_serializer(string manifest, string json, string expected)
    {
        var e = Assert.Throws<SerializationException>(() => Read(manifest, json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_job_id_of_ten_thousand_characters_is_refused_and_a_good_message_passes()
    {
        var e = Assert.Throws<SerializationException>(() => Read("GetJobStatus", $$"""{"JobId":"{{new string('a', 10_000)}}"}"""));
        Assert.Contains("10000 characters long", e.Message);
        var ok = new HandBack("sweep-20260101-000000-00ff", "127.0.0.1:4053", [0, 5]);
        var back = Serializer.FromBinary(Serializer.ToBinary(ok), Serializer.Manifest(ok));
        Assert.Equal(ok.Indexes, ((HandBack)back).Indexes);
    }
}

/// <summary>A kind of message that the serializer could be given but that has no check of its own.</summary>
public sealed record UncheckedMessage(string Text) : ISweepMessage;

public sealed class FailClosedTests
{
    [Fact]
    public void A_message_kind_known_to_the_serializer_without_a_check_of_its_own_is_refused_not_delivered()
    {
        var options = new System.Text.Json.JsonSerializerOptions { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };
        var kinds = new Dictionary<string, System.Text.Json.Serialization.Metadata.JsonTypeInfo>
        {
            [nameof(UncheckedMessage)] = options.GetTypeInfo(typeof(UncheckedMessage)),
            [nameof(CancelJob)] = options.GetTypeInfo(typeof(CancelJob)),
        };
        var e = Assert.Throws<SerializationException>(() => SweepSerializer.Read(Encoding.UTF8.GetBytes("""{"Text":"hello"}"""), nameof(UncheckedMessage), kinds));
        Assert.Contains("no check of its own (UncheckedMessage)", e.Message);
        // The same map still delivers a kind that has its check.
        var ok = SweepSerializer.Read(Encoding.UTF8.GetBytes("""{"JobId":"sweep-20260101-000000-00ff"}"""), nameof(CancelJob), kinds);
        Assert.Equal(new CancelJob("sweep-20260101-000000-00ff"), ok);
    }

    [Fact]
    public void Every_kind_the_serializer_reads_has_a_check_of_its_own()
    {
        Assert.NotEmpty(SweepSerializer.Kinds);
        Assert.Empty(SweepSerializer.Kinds.Except(MessageChecks.Checked).Select(t => t.Name));
    }
}
