using Microsoft.Extensions.DependencyInjection;
using LeeMl.Sweep.Server.Security;
using System.Text.Json;
using System.Text.Json.Serialization;
using LeeMl.Sweep.Cluster.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace LeeMl.Sweep.Server.Api;

/// <summary>What <c>POST /api/tokens/revoke</c> takes: the token itself, or its id as <c>certs token</c> printed it.</summary>
public sealed record RevokeRequest(
    [property: JsonPropertyName("token")] string? Token,
    [property: JsonPropertyName("id")] string? Id);

/// <summary>A revoked token: its id, whom it named (when the token was given), until when the store keeps it, and when it was revoked.</summary>
public sealed record RevokedToken(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("kept_until")] DateTimeOffset KeptUntil,
    [property: JsonPropertyName("revoked_at")] DateTimeOffset RevokedAt);

/// <summary>
/// Revoking access tokens, and the list of those revoked. Only who may change things revokes
/// (RequestGuard: a certificate of the cluster or an operator token). A token given whole is
/// checked and revoked until its own expiry; an id alone, until the longest a token can live.
/// </summary>
public static class TokenEndpoints
{
    /// <summary>The longest validity <c>certs token --days</c> gives, and a day to spare.</summary>
    private static readonly TimeSpan LongestLife = TimeSpan.FromDays(366);

    private static IResult WithoutTls() => ApiEndpoints.Error(400, "this node runs without TLS and admits no access tokens: none to revoke or list");

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/tokens/revoked", async (HttpContext http, CancellationToken cancel) =>
            http.RequestServices.GetService(typeof(TokenRevocations)) is not TokenRevocations revocations
                ? WithoutTls()
                : Results.Json((await revocations.List(cancel)).Select(r => new RevokedToken(r.Id, r.Name.Length > 0 ? r.Name : null, r.KeptUntil, r.Revoked)).ToList(),
                    ApiJson.Default.ListRevokedToken));
        api.MapPost("/tokens/revoke", Revoke);
    }

    private static async Task<IResult> Revoke(HttpContext http, CancellationToken cancel)
    {
        var tls = http.RequestServices.GetService(typeof(ClusterTls)) as ClusterTls;
        if (tls is null || http.RequestServices.GetService(typeof(TokenRevocations)) is not TokenRevocations revocations) return WithoutTls();
        http.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = 4 * AccessTokens.MaxLength;
        RevokeRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(http.Request.Body, ApiJson.Default.RevokeRequest, cancel);
        }
        catch (Exception e) when (e is JsonException || e is BadHttpRequestException { StatusCode: 413 })
        {
            return ApiEndpoints.Error(400, "the request is not {\"token\": TOKEN} or {\"id\": ID}");
        }
        var now = DateTimeOffset.UtcNow;
        RevokedToken revoked;
        if (request is { Token: { Length: > 0 } token, Id: null })
        {
            var cluster = http.RequestServices.GetRequiredService<Cluster.Hosting.NodeRuntime>().Settings.ClusterName;
            if (AccessTokens.Verify(token, tls.Authority, cluster, now, out var refusal) is not { } claims)
                return ApiEndpoints.Error(400, $"nothing to revoke: {refusal}");
            if (claims.Id.Length == 0) return ApiEndpoints.Error(400, "this token has no id (it was made by an older version); make a new authority to void it");
            revoked = new RevokedToken(claims.Id, claims.Name, claims.Expires, now);
        }
        else if (request is { Id: { } id, Token: null } && AccessTokens.IsId(id))
            revoked = new RevokedToken(id, null, now + LongestLife, now);
        else
            return ApiEndpoints.Error(400, "give the token ({\"token\": TOKEN}) or its id ({\"id\": ID}, 22 characters as certs token printed it)");
        await revocations.Revoke(revoked.Id, revoked.Name ?? "", revoked.KeptUntil, cancel);
        var by = http.Connection.ClientCertificate?.Subject ?? (http.Items[typeof(TokenClaims)] is TokenClaims t ? $"{t.Name}'s operator token" : "?");
        ((ILoggerFactory)http.RequestServices.GetService(typeof(ILoggerFactory))!).CreateLogger("LeeMl.Sweep.Tokens")
            .LogWarning("access token {Id}{Of} revoked by {By}", revoked.Id, revoked.Name is { Length: > 0 } n ? " of " + n : "", by);
        return Results.Json(revoked, ApiJson.Default.RevokedToken);
    }
}
