using System.Security.Claims;
using System.Text.Encodings.Web;
using Approvals.Core.Storage;
using Approvals.Server.ApiKeys;
using Approvals.Server.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Approvals.Server.Auth;

/// <summary>Names of the API key scheme and the claims its principal carries.</summary>
public static class ApiKeyDefaults
{
    /// <summary>The authentication scheme (and the identity's authentication type).</summary>
    public const string Scheme = "ApiKey";

    /// <summary>The scheme every endpoint uses: an API key when one is presented, else a JWT.</summary>
    public const string SelectorScheme = "ApiKeyOrJwt";

    public const string Header = "X-Api-Key";

    public const string ScopeClaim = "scope";

    public const string KindClaim = "kind";

    public const string KindValue = "api_key";

    /// <summary>
    /// The key the request presents: <c>Authorization: Bearer ak_…</c>, else <c>X-Api-Key</c>; null
    /// when it presents none (a JWT, or nothing).
    /// </summary>
    public static string? Presented(HttpRequest request)
    {
        var authorization = request.Headers[HeaderNames.Authorization].ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && authorization.AsSpan(7).Trim().StartsWith(ApiKeyFormat.Marker, StringComparison.Ordinal))
        {
            return authorization[7..].Trim();
        }
        return request.Headers.TryGetValue(Header, out var header) ? header.ToString().Trim() : null;
    }
}

/// <summary>Where an API key scheme finds the key a request presents.</summary>
public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>The presented key, or null; the API's headers by default (<see cref="ApiKeyDefaults.Presented"/>).</summary>
    public Func<HttpRequest, string?> ReadKey { get; set; } = ApiKeyDefaults.Presented;
}

/// <summary>
/// Authenticates <c>ak_…</c> keys. The key is looked up in storage on every request (one read by a
/// unique index), never cached: a key revoked through any node is refused by every node at once.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IApiKeyStore keys,
    TimeProvider clock) : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    // last_used_at is for people auditing keys; recording it once a minute spares a write per request.
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    // Compared against when no key has the prefix, so an unknown prefix costs what a wrong secret does.
    private static readonly byte[] NoHash = new byte[32];

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Options.ReadKey(Request) is not { } presented)
        {
            return AuthenticateResult.NoResult();
        }
        if (!ApiKeyFormat.TryParse(presented, out var prefix))
        {
            return AuthenticateResult.Fail("The API key is malformed.");
        }
        var stored = await keys.FindApiKeyByPrefixAsync(prefix, Context.RequestAborted);
        var matches = ApiKeyFormat.Matches(presented, stored?.Hash ?? NoHash);
        if (stored is null || !matches || stored.IsRevoked)
        {
            return AuthenticateResult.Fail("The API key is unknown or revoked.");
        }
        var now = clock.GetUtcNow();
        if (stored.LastUsedAt is not { } used || now - used >= TouchEvery)
        {
            await keys.TouchApiKeyAsync(stored.Id, now, Context.RequestAborted);
        }
        var claims = new List<Claim>
        {
            new("sub", stored.Id),
            new("name", stored.Name),
            new("tenant", stored.TenantId),
            new(ApiKeyDefaults.KindClaim, ApiKeyDefaults.KindValue),
        };
        claims.AddRange(stored.Scopes.Select(scope => new Claim(ApiKeyDefaults.ScopeClaim, scope)));
        var identity = new ClaimsIdentity(claims, ApiKeyDefaults.Scheme, "name", "role");
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiKeyDefaults.Scheme));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, Problems.Unauthorized("The API key is invalid or revoked."));

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, Problems.Forbidden("You may not do this."));
}
