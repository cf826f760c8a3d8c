using System.Globalization;
using System.Security.Claims;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;

namespace Approvals.Server.Auth;

/// <summary>Turns an authenticated caller into the domain's <see cref="Principal"/>.</summary>
public static class PrincipalMapping
{
    /// <summary>The claim a person's <see cref="Principal.ApprovalLevel"/> comes from.</summary>
    public const string ApprovalLevelClaim = "approval_level";

    /// <summary>
    /// A person from token claims: <c>sub</c>, <c>name</c>, <c>role</c> (one or many; unknown ones are
    /// ignored), <c>tenant</c> (absent = default) and <c>approval_level</c> (1–4). A caller authenticated
    /// by an API key maps to <see cref="Principal.Key"/> with its <c>scope</c> claims. Null when the
    /// credential cannot stand for anyone (see <see cref="TryMap"/>).
    /// </summary>
    public static Principal? FromClaims(ClaimsPrincipal user) => TryMap(user, out var principal, out _) ? principal : null;

    /// <summary>
    /// Maps <paramref name="user"/>, or says why its claims name no caller: no <c>sub</c>, a <c>sub</c>,
    /// <c>tenant</c> or <c>name</c> with text <see cref="InputText"/> refuses, or an
    /// <c>approval_level</c> that is present but not one level from 1 to 4. Token validation refuses such
    /// tokens with this (<see cref="AuthSetup"/>), so an endpoint only ever meets callers that map.
    /// </summary>
    public static bool TryMap(ClaimsPrincipal user, out Principal? principal, out string? refusal)
    {
        principal = null;
        if (user.Identity?.IsAuthenticated != true)
        {
            refusal = "The caller is not authenticated.";
            return false;
        }
        var sub = user.FindFirstValue("sub");
        if (string.IsNullOrWhiteSpace(sub))
        {
            // Machine tokens from real identity providers sometimes carry no subject; there is no one to act as.
            refusal = "The token names no subject (sub).";
            return false;
        }
        var tenant = user.FindFirstValue("tenant");
        tenant = string.IsNullOrWhiteSpace(tenant) ? Principal.DefaultTenant : tenant;
        // The caller's ids are stored and queried like any other input, so they follow the same text rule.
        if (!InputText.IsClean(sub) || !InputText.IsClean(tenant) || !InputText.IsClean(user.FindFirstValue("name")))
        {
            refusal = "The token's sub, tenant and name must not contain control characters.";
            return false;
        }
        // Decided by the identity the key handler built, not by a claim alone: a token cannot pass as a key.
        if (user.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == ApiKeyDefaults.Scheme)
            && user.FindFirstValue(ApiKeyDefaults.KindClaim) == ApiKeyDefaults.KindValue)
        {
            principal = Principal.Key(sub, user.FindFirstValue("name"), user.FindAll(ApiKeyDefaults.ScopeClaim).Select(c => c.Value), tenant);
            refusal = null;
            return true;
        }
        if (!TryReadApprovalLevel(user, out var level))
        {
            // Ignoring a level we cannot read would fall back to the role's default, which may be higher
            // than the identity provider meant to grant: refuse instead (fail closed).
            refusal = $"The token's {ApprovalLevelClaim} must be one whole number from 1 to {RiskPolicy.MaxLevel}.";
            return false;
        }
        var roles = user.FindAll("role").Select(c => c.Value).Where(Roles.All.Contains);
        principal = Principal.Person(sub, user.FindFirstValue("name"), roles, tenant, level);
        refusal = null;
        return true;
    }

    /// <summary>
    /// The <c>approval_level</c> claim: null when absent; false when present but not exactly one level.
    /// A JSON number and a JSON string both arrive as the claim's text ("3"), so both are accepted; an
    /// array arrives as one claim per element, and repeating the same level is still that level.
    /// </summary>
    private static bool TryReadApprovalLevel(ClaimsPrincipal user, out int? level)
    {
        level = null;
        foreach (var claim in user.FindAll(ApprovalLevelClaim))
        {
            if (!TryParseApprovalLevel(claim.Value, out var value) || (level is { } seen && seen != value))
            {
                return false;
            }
            level = value;
        }
        return true;
    }

    /// <summary>An approval level as a claim or an option writes it: digits only (not "1.5", "-1", " 3" or ""), 1 to 4.</summary>
    public static bool TryParseApprovalLevel(string text, out int level) => Tokens.TokenRequest.TryParseApprovalLevel(text, out level);

    /// <summary>The caller's principal (the endpoint requires authentication, so one exists).</summary>
    public static Principal Caller(this HttpContext http) =>
        http.Items[typeof(Principal)] as Principal ?? FromClaims(http.User)
        ?? throw new InvalidOperationException("The endpoint did not require an authenticated caller.");
}
