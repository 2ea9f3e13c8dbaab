using LeeMl.Sweep.Cluster.Security;
using LeeMl.Sweep.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LeeMl.Sweep.Server.Tests;

/// <summary>A token is good only with the signature of the cluster's authority, before it expires, and says what it allows.</summary>
public sealed class AccessTokenTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_token_is_accepted_by_its_authority_until_it_expires_and_by_nothing_else()
    {
        using var ca = ClusterCertificates.CreateAuthority(Now);
        using var other = ClusterCertificates.CreateAuthority(Now);
        var token = AccessTokens.Issue(ca, new TokenClaims("alice", TokenRole.Viewer, Now.AddDays(30)));
        var claims = AccessTokens.Verify(token, ca, "default", Now, out var refusal);
        Assert.Null(refusal);
        Assert.Equal(new TokenClaims("alice", TokenRole.Viewer, DateTimeOffset.FromUnixTimeSeconds(Now.AddDays(30).ToUnixTimeSeconds())), claims! with { Id = "" });
        Assert.True(AccessTokens.IsId(claims.Id), claims.Id);
        Assert.NotEqual(claims.Id, AccessTokens.Verify(AccessTokens.Issue(ca, new TokenClaims("alice", TokenRole.Viewer, Now.AddDays(30))), ca, "default", Now, out _)!.Id);
        Assert.Equal(TokenRole.Operator, AccessTokens.Verify(AccessTokens.Issue(ca, new TokenClaims("bob", TokenRole.Operator, Now.AddDays(1))), ca, "default", Now, out _)!.Role);

        Assert.Null(AccessTokens.Verify(token, ca, "default", Now.AddDays(31), out refusal));
        Assert.StartsWith("the token expired at", refusal);
        Assert.Null(AccessTokens.Verify(token, other, "default", Now, out refusal));
        Assert.Equal("the token is not signed by the cluster's authority", refusal);
        // The payload changed (a viewer made operator) with the old signature: refused.
        var parts = token.Split('.');
        var forged = string.Join('.', parts[0], Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{{\"sub\":\"alice\",\"role\":\"operator\",\"exp\":{Now.AddDays(30).ToUnixTimeSeconds()}}}")).TrimEnd('='), parts[2]);
        Assert.Null(AccessTokens.Verify(forged, ca, "default", Now, out refusal));
        Assert.Equal("the token is not signed by the cluster's authority", refusal);
        foreach (var junk in new[] { "", "lmt1.", "lmt1..", "bearer", "lmt1.!!!.???", new string('x', 5000), "lmt1.e30." })
            Assert.Null(AccessTokens.Verify(junk, ca, "default", Now, out _));
    }

    [Fact]
    public void A_token_is_for_one_cluster_of_its_authority()
    {
        using var ca = ClusterCertificates.CreateAuthority(Now);
        var staging = AccessTokens.Issue(ca, new TokenClaims("alice", TokenRole.Operator, Now.AddDays(1), Cluster: "staging"));
        Assert.Equal("staging", AccessTokens.Verify(staging, ca, "staging", Now, out _)!.Cluster);
        Assert.Null(AccessTokens.Verify(staging, ca, "production", Now, out var refusal));
        Assert.Equal("the token is for the cluster 'staging', not this one ('production')", refusal);
        Assert.Null(AccessTokens.Verify(staging, ca, AccessTokens.DefaultCluster, Now, out _));
    }

    [Fact]
    public async Task A_token_revoked_through_one_coordinator_is_refused_by_another_once_it_reads_the_store_and_ends_its_event_streams()
    {
        var dir = Directory.CreateTempSubdirectory("leeml-revoke-").FullName;
        try
        {
            var db = Path.Combine(dir, "sweeps.db");
            await using var one = await LeeMl.Sweep.Store.SweepStores.Open(db, null);
            await using var two = await LeeMl.Sweep.Store.SweepStores.Open(db, null);
            TokenRevocations here = new(one), there = new(two);
            Assert.False(here.Loaded);
            Assert.True(await here.EnsureLoaded(CancellationToken.None));
            Assert.True(await there.EnsureLoaded(CancellationToken.None));
            Assert.False(there.IsRevoked("aaaaaaaaaaaaaaaaaaaaaa"));

            await here.Revoke("aaaaaaaaaaaaaaaaaaaaaa", "alice", DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None);
            Assert.True(here.IsRevoked("aaaaaaaaaaaaaaaaaaaaaa"));   // at once where it was revoked
            Assert.False(there.IsRevoked("aaaaaaaaaaaaaaaaaaaaaa"));   // elsewhere at the next read
            await there.Refresh(CancellationToken.None);
            Assert.True(there.IsRevoked("aaaaaaaaaaaaaaaaaaaaaa"));
            Assert.False(there.IsRevoked("bbbbbbbbbbbbbbbbbbbbbb"));
            Assert.False(there.IsRevoked(""));   // a token without an id
            await here.Refresh(CancellationToken.None);
            Assert.True(here.IsRevoked("aaaaaaaaaaaaaaaaaaaaaa"));

            // A long request (an event stream) admitted by a token goes on only while the token is neither revoked nor expired.
            var services = new ServiceCollection().AddSingleton(there).BuildServiceProvider();
            HttpContext Stream(TokenClaims? claims)
            {
                var http = new DefaultHttpContext { RequestServices = services };
                if (claims is not null) http.Items[typeof(TokenClaims)] = claims;
                return http;
            }
            var soon = DateTimeOffset.UtcNow.AddDays(1);
            Assert.True(Server.Hosting.RequestGuard.StillAdmitted(Stream(null)));   // a certificate, or no TLS
            Assert.True(Server.Hosting.RequestGuard.StillAdmitted(Stream(new TokenClaims("bob", TokenRole.Viewer, soon, "bbbbbbbbbbbbbbbbbbbbbb"))));
            Assert.False(Server.Hosting.RequestGuard.StillAdmitted(Stream(new TokenClaims("alice", TokenRole.Viewer, soon, "aaaaaaaaaaaaaaaaaaaaaa"))));
            Assert.False(Server.Hosting.RequestGuard.StillAdmitted(Stream(new TokenClaims("bob", TokenRole.Viewer, DateTimeOffset.UtcNow.AddSeconds(-1), "bbbbbbbbbbbbbbbbbbbbbb"))));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
