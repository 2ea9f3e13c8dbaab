using LeeMl.Sweep.Server.Security;

namespace LeeMl.Sweep.Server.Tests;

/// <summary>A browser's cookie is a session of one node: random, short-lived, bounded in number, never longer than its token.</summary>
public sealed class BrowserSessionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_session_lasts_its_lifetime_or_its_token_s_whichever_ends_first()
    {
        var sessions = new BrowserSessions(TimeSpan.FromHours(8));
        var local = sessions.Open(null, T0)!;
        var token = new TokenClaims("alice", TokenRole.Viewer, T0.AddHours(1), "aaaaaaaaaaaaaaaaaaaaaa");
        var viewer = sessions.Open(token, T0)!;
        Assert.NotEqual(local, viewer);
        Assert.Equal(64, local.Length);
        Assert.Null(sessions.Find(local, T0)!.Claims);
        Assert.Equal(token, sessions.Find(viewer, T0.AddMinutes(59))!.Claims);
        Assert.Null(sessions.Find(viewer, T0.AddHours(1)));
        Assert.NotNull(sessions.Find(local, T0.AddHours(7.9)));
        Assert.Null(sessions.Find(local, T0.AddHours(8)));
        Assert.Null(sessions.Find("made-up", T0));
        Assert.Null(sessions.Find(null, T0));
    }

    [Fact]
    public void A_full_table_refuses_new_sessions_until_old_ones_expire()
    {
        var sessions = new BrowserSessions(TimeSpan.FromMinutes(10), max: 3);
        for (var i = 0; i < 3; i++) Assert.NotNull(sessions.Open(null, T0));
        Assert.Null(sessions.Open(null, T0.AddMinutes(5)));
        Assert.NotNull(sessions.Open(null, T0.AddMinutes(11)));
    }
}
