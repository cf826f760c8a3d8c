using System.Security.Cryptography;
using System.Text;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Approvals.Server.Auth;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Http;

/// <summary>
/// <c>Idempotency-Key</c> on POST: the first request with a key runs; a repeat with the same body
/// replays the stored response (with <c>Idempotent-Replayed: true</c>); a repeat with another body is
/// 422; a repeat while the first still runs waits for it. A response that changes state is stored
/// in the same transaction as the change (see <see cref="IdempotencyFeature"/>); any other response
/// is stored after it is written.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IIdempotencyStore store, TimeProvider clock, IOptions<IdempotencyOptions> options,
    ILogger<IdempotencyMiddleware> logger)
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>Which requests take an Idempotency-Key (the OpenAPI document shows the header on exactly these).</summary>
    public static bool AppliesTo(string method) => HttpMethods.IsPost(method);

    public async Task InvokeAsync(HttpContext http)
    {
        var key = http.Request.Headers[Header].ToString();
        if (!AppliesTo(http.Request.Method) || key.Length == 0 || PrincipalMapping.FromClaims(http.User) is not { } caller)
        {
            await next(http);
            return;
        }
        if (IdempotentRequests.CheckKey(key) is { } badKey)
        {
            await Problems.Write(http, Problems.From(badKey));
            return;
        }

        var scope = IdempotentRequests.Scope(caller);
        var hash = await HashAsync(http.Request, http.RequestAborted);
        var start = await IdempotentRequests.BeginAsync(store, clock, scope, key, hash, options.Value.IdempotencyRetention,
            IdempotentRequests.MaxWaitForFirst, http.RequestAborted);
        switch (start)
        {
            case IdempotencyStart.Refused refused:
                await Problems.Write(http, Problems.From(refused.Error));
                return;
            case IdempotencyStart.Replay replay:
                http.Response.Headers[ReplayedHeader] = "true";
                await replay.Response.WriteAsync(http.Response);
                return;
        }

        var feature = new IdempotencyFeature(scope, key, hash, ((IdempotencyStart.Run)start).ExpiresAt);
        http.Features.Set(feature);
        var original = http.Response.Body;
        using var captured = new MemoryStream();
        http.Response.Body = captured;
        var completed = false;
        try
        {
            await next(http);
            completed = true;
        }
        finally
        {
            http.Response.Body = original;
            captured.Position = 0;
            await captured.CopyToAsync(original, CancellationToken.None);
            await SettleAsync(http, feature, captured, completed);
        }
    }

    private async Task SettleAsync(HttpContext http, IdempotencyFeature feature, MemoryStream captured, bool completed)
    {
        try
        {
            if (feature.StoredWithStateChange)
            {
                return;
            }
            var status = http.Response.StatusCode;
            if (!completed || !IdempotentRequests.IsReplayable(status))
            {
                // Nothing worth replaying: let a retry run the request again.
                await store.AbandonAsync(feature.Scope, feature.Key, CancellationToken.None);
                return;
            }
            var headers = StoredResponse.ReplayedHeaders
                .Where(h => http.Response.Headers.ContainsKey(h))
                .ToDictionary(h => h, h => http.Response.Headers[h].ToString(), StringComparer.OrdinalIgnoreCase);
            var stored = new StoredResponse(status, headers, Encoding.UTF8.GetString(captured.ToArray()));
            await store.CompleteAsync(feature.Scope, feature.Key, status, stored.Serialize(), CancellationToken.None);
        }
        catch (Exception error)
        {
            // The response already went out; a retry finds the reservation and, after the
            // take-over time, runs again: the request is refused or repeated, never lost.
            logger.LogWarning(error, "Could not store the idempotent response for key {Key}.", feature.Key);
        }
    }

    private static async Task<string> HashAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(request, cancellationToken);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path}{request.QueryString}\n"));
        sha.AppendData(body);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

/// <summary>Set on an idempotent request that this request now owns.</summary>
public sealed class IdempotencyFeature(string scope, string key, string requestHash, DateTimeOffset expiresAt)
{
    public string Scope { get; } = scope;
    public string Key { get; } = key;
    public string RequestHash { get; } = requestHash;
    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    /// <summary>True once the response was stored in the same transaction as the state change.</summary>
    public bool StoredWithStateChange { get; private set; }

    /// <summary>
    /// The ticket a grain call carries so the grain stores its reply (with <paramref name="successStatus"/>)
    /// in the same transaction as the state change; mark it with <see cref="MarkStoredWithStateChange"/>
    /// once such a call succeeded.
    /// </summary>
    public IdempotencyTicket Ticket(int successStatus) => new(Scope, Key, RequestHash, ExpiresAt, successStatus);

    public void MarkStoredWithStateChange() => StoredWithStateChange = true;
}
