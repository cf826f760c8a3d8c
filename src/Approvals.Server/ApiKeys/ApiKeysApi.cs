using Approvals.Core;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Server.Auth;
using Approvals.Server.Http;

namespace Approvals.Server.ApiKeys;

/// <summary>API keys for agents and services: created, listed and revoked by a tenant's admins.</summary>
public static class ApiKeysApi
{
    private const int MaxNameLength = 200;

    // A fresh prefix collides with an existing one about once in 2^40 draws; three tries never all fail in practice.
    private const int PrefixAttempts = 3;

    /// <summary>The scopes of API.md, in the order they are listed there.</summary>
    public static IReadOnlyList<string> KnownScopes { get; } =
    [
        Scopes.ApprovalsRead, Scopes.ApprovalsCreate, Scopes.WorkflowsRead, Scopes.WorkflowsWrite, Scopes.EventsRead, Scopes.Admin,
    ];

    public static RouteGroupBuilder MapApiKeysApi(this IEndpointRouteBuilder routes)
    {
        // Admins only (403 for anyone else).
        var group = routes.MapGroup("/v1/api-keys").WithTags("API keys").RequireAuthorization().ProducesProblems(StatusCodes.Status403Forbidden);
        group.MapPost("", CreateAsync).Accepts<CreateApiKeyBody>("application/json").Produces<CreatedApiKeyDto>(StatusCodes.Status201Created);
        group.MapGet("", ListAsync).Produces<ApiKeyListDto>();
        group.MapDelete("/{id}", RevokeAsync).Produces(StatusCodes.Status204NoContent).ProducesProblems(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, IApiKeyStore keys, IIdempotencyStore idempotency, TimeProvider clock, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!caller.IsAdmin)
        {
            return Forbidden();
        }
        var body = await JsonBody.ReadAsync<CreateApiKeyBody>(http.Request, required: true, ct);
        if (!body.IsSuccess)
        {
            return Problems.Result(body.Error!);
        }
        var (name, scopes, errors) = Validate(body.Value!);
        if (errors.Count > 0)
        {
            return Problems.Result(DomainError.Validation(errors));
        }
        var now = TruncateToMicroseconds(clock.GetUtcNow());
        for (var attempt = 1; ; attempt++)
        {
            var (key, prefix) = ApiKeyFormat.Generate();
            var stored = new StoredApiKey(Ids.New("key", now), caller.TenantId, name, prefix, ApiKeyFormat.Hash(key), scopes, caller.Id, now, null, null);
            if (await keys.CreateApiKeyAsync(stored, ct))
            {
                var dto = new CreatedApiKeyDto(stored.Id, stored.Name, stored.Prefix, stored.Scopes, stored.CreatedBy, stored.CreatedAt, key);
                var location = ("Location", $"/v1/api-keys/{stored.Id}");
                if (http.Features.Get<IdempotencyFeature>() is { } replay)
                {
                    // Keys are kept only as hashes, so the stored response for a retry leaves the key out:
                    // a retry gets the same key id (no second key is made), but the secret is shown once.
                    var redacted = StoredResponse.Json(StatusCodes.Status201Created, dto with { Key = null }, location);
                    await idempotency.CompleteAsync(replay.Scope, replay.Key, redacted.Status, redacted.Serialize(), ct);
                    replay.MarkStoredWithStateChange();
                }
                return StoredResponse.Json(StatusCodes.Status201Created, dto, location).ToResult();
            }
            if (attempt == PrefixAttempts)
            {
                throw new InvalidOperationException($"Could not draw an unused API key prefix in {PrefixAttempts} attempts.");
            }
        }
    }

    private static async Task<IResult> ListAsync(HttpContext http, IApiKeyStore keys, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!caller.IsAdmin)
        {
            return Forbidden();
        }
        var list = await keys.ListApiKeysAsync(caller.TenantId, ct);
        return StoredResponse.Json(StatusCodes.Status200OK, new ApiKeyListDto(list.Select(ToDto).ToList())).ToResult();
    }

    private static async Task<IResult> RevokeAsync(string id, HttpContext http, IApiKeyStore keys, TimeProvider clock, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!caller.IsAdmin)
        {
            return Forbidden();
        }
        return await keys.RevokeApiKeyAsync(caller.TenantId, id, TruncateToMicroseconds(clock.GetUtcNow()), ct)
            ? TypedResults.NoContent()
            : Problems.Result(Problems.NotFound($"No API key '{id}' exists."));
    }

    private static (string Name, IReadOnlyList<string> Scopes, Dictionary<string, string[]> Errors) Validate(CreateApiKeyBody body)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var name = body.Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength)
        {
            errors["name"] = [$"name is required, at most {MaxNameLength} characters."];
        }
        var scopes = body.Scopes ?? [];
        if (scopes.Count == 0)
        {
            errors["scopes"] = ["scopes must list at least one scope."];
        }
        else if (scopes.FirstOrDefault(s => !KnownScopes.Contains(s)) is { } unknown)
        {
            errors["scopes"] = [$"Unknown scope '{unknown}'; scopes are {string.Join(", ", KnownScopes)}."];
        }
        return (name, KnownScopes.Where(scopes.Contains).ToList(), errors);
    }

    private static ApiKeyDto ToDto(StoredApiKey key) =>
        new(key.Id, key.Name, key.Prefix, key.Scopes, key.CreatedBy, key.CreatedAt, key.RevokedAt, key.LastUsedAt);

    private static IResult Forbidden() => Problems.Result(Problems.Forbidden("Managing API keys needs the admin role or the admin scope."));

    // Both backends keep microseconds; the response shows what a later list will.
    private static DateTimeOffset TruncateToMicroseconds(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);
}

/// <summary>The body of <c>POST /v1/api-keys</c>.</summary>
public sealed record CreateApiKeyBody(
    [property: System.ComponentModel.DataAnnotations.Required, System.ComponentModel.Description("1–200 characters.")] string? Name,
    [property: System.ComponentModel.DataAnnotations.Required, System.ComponentModel.Description("At least one scope."),
        System.ComponentModel.DataAnnotations.AllowedValues("approvals:read", "approvals:create", "workflows:read", "workflows:write", "events:read", "admin")]
    IReadOnlyList<string>? Scopes);

/// <summary>A key as listed: never the key itself.</summary>
public sealed record ApiKeyDto(string Id, string Name, string Prefix, IReadOnlyList<string> Scopes, string CreatedBy,
    DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

/// <summary>A new key: the only response that ever shows <paramref name="Key"/> (null in an idempotent replay).</summary>
public sealed record CreatedApiKeyDto(string Id, string Name, string Prefix, IReadOnlyList<string> Scopes, string CreatedBy,
    DateTimeOffset CreatedAt, string? Key);

/// <summary>The tenant's keys, newest first.</summary>
public sealed record ApiKeyListDto(IReadOnlyList<ApiKeyDto> Data);
