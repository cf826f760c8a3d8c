using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Server.Webhooks.Tests.Support;

/// <summary>A person calling the API, as their token describes them.</summary>
public sealed record Caller(string Id, string Name, string Tenant, IReadOnlyList<string> Roles)
{
    /// <summary>A valid HS256 token for this person.</summary>
    public string Token => TestTokens.Mint(this);
}

/// <summary>
/// Mints tokens the way an identity provider would, independently of the server's token command:
/// HS256 over a fixed test key, issuer and audience <c>approvals</c>, claims sub/name/role/tenant.
/// </summary>
public static class TestTokens
{
    public const string IssuerAndAudience = "approvals";

    /// <summary>32 fixed bytes.</summary>
    private static readonly byte[] KeyBytes = SHA256.HashData("approvals-webhook-api-tests-signing-key"u8);

    /// <summary>The key as <c>Approvals:Auth:SigningKey</c> takes it (base64 of ≥ 32 bytes is used as those bytes).</summary>
    public static string KeySetting { get; } = Convert.ToBase64String(KeyBytes);

    public static string Mint(Caller caller)
    {
        var now = DateTime.UtcNow;
        var claims = new List<Claim> { new("sub", caller.Id), new("name", caller.Name), new("tenant", caller.Tenant) };
        claims.AddRange(caller.Roles.Select(role => new Claim("role", role)));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = IssuerAndAudience,
            Audience = IssuerAndAudience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(KeyBytes), SecurityAlgorithms.HmacSha256),
        });
    }
}
