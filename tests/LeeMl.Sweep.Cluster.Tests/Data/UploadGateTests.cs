using LeeMl.Sweep.Cluster.Data;

namespace LeeMl.Sweep.Cluster.Tests.Data;

/// <summary>Uploads waiting for their hash check are bounded per client and in bytes, and a place is given back once.</summary>
public sealed class UploadGateTests
{
    [Fact]
    public void A_client_gets_as_many_places_as_allowed_and_others_are_not_held_up_by_it()
    {
        var gate = new UploadGate(perClient: 2, stagedBytes: 1000);
        using var a1 = gate.Enter("a", 10);
        using var a2 = gate.Enter("a", 10);
        var e = Assert.Throws<UploadBusyException>(() => gate.Enter("a", 10));
        Assert.True(e.PerClient);
        using var b1 = gate.Enter("b", 10);
        Assert.Equal((3, 30L), gate.InUse);
    }

    [Fact]
    public void Announced_bytes_of_all_clients_together_stay_within_the_staging_bound()
    {
        var gate = new UploadGate(perClient: 5, stagedBytes: 1000);
        var a = gate.Enter("a", 600);
        var e = Assert.Throws<UploadBusyException>(() => gate.Enter("b", 401));
        Assert.False(e.PerClient);
        using (gate.Enter("b", 400)) Assert.Equal((2, 1000L), gate.InUse);
        a.Dispose();
        a.Dispose();   // a place is given back once, however often it is disposed
        Assert.Equal((0, 0L), gate.InUse);
        using var big = gate.Enter("b", 1000);
    }
}
