using System.Globalization;
using System.Security.Claims;
using Approvals.Core.Principals;

namespace Approvals.Server.Auth;

/// <summary>Turns an authenticated caller into the domain's <see cref="Principal"/>.</summary>
public static class PrincipalMapping
{
    /// <summary>
    /// A person from token claims: <c>sub</c>, <c>name</c>, <c>role</c> (one or many; unknown ones are
    /// ignored), <c>tenant</c> (absent = default) and <c>approval_level</c> (1–4). A caller authenticated
    /// by an API key maps to <see cref="Principal.Key"/> with its <c>scope</c> claims. Null when the
    /// credential names no subject.
    /// </summary>
    public static Principal? FromClaims(ClaimsPrincipal user)
    {
        var sub = user.FindFirstValue("sub");
        if (string.IsNullOrWhiteSpace(sub) || user.Identity?.IsAuthenticated != true)
        {
            return null;
        }
        var tenant = user.FindFirstValue("tenant");
        // Decided by the identity the key handler built, not by a claim alone: a token cannot pass as a key.
        if (user.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == ApiKeyDefaults.Scheme)
            && user.FindFirstValue(ApiKeyDefaults.KindClaim) == ApiKeyDefaults.KindValue)
        {
            return Principal.Key(sub, user.FindFirstValue("name"), user.FindAll(ApiKeyDefaults.ScopeClaim).Select(c => c.Value),
                string.IsNullOrWhiteSpace(tenant) ? Principal.DefaultTenant : tenant);
        }
        var roles = user.FindAll("role").Select(c => c.Value).Where(Roles.All.Contains);
        int? level = int.TryParse(user.FindFirstValue("approval_level"), NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l is >= 1 and <= 4
            ? l
            : null;
        return Principal.Person(sub, user.FindFirstValue("name"), roles, string.IsNullOrWhiteSpace(tenant) ? Principal.DefaultTenant : tenant, level);
    }

    /// <summary>The caller's principal (the endpoint requires authentication, so one exists).</summary>
    public static Principal Caller(this HttpContext http) =>
        http.Items[typeof(Principal)] as Principal ?? FromClaims(http.User)
        ?? throw new InvalidOperationException("The endpoint did not require an authenticated caller.");
}
