using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.EndToEnd.Tests.Hosting;

/// <summary>
/// Mints HS256 JWTs the way an identity provider would, with a fixed key the servers are given
/// as <c>--Approvals:Auth:SigningKey</c> (see <see cref="SigningKeySetting"/>).
/// </summary>
public static class TestTokens
{
    private const string IssuerAndAudience = "approvals";

    // 32 fixed bytes, passed as base64 so the server uses exactly these bytes.
    private static readonly byte[] Key = SHA256.HashData(Encoding.UTF8.GetBytes("Approvals end-to-end tests signing key"));
    private static readonly SigningCredentials Credentials = new(new SymmetricSecurityKey(Key), SecurityAlgorithms.HmacSha256);
    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>The configuration switch that makes a server accept these tokens.</summary>
    public static string SigningKeySetting => "--Approvals:Auth:SigningKey=" + Convert.ToBase64String(Key);

    /// <summary>A token for <paramref name="sub"/> with one or many roles (valid for an hour).</summary>
    public static string For(string sub, params string[] roles) => For(sub, sub, tenant: null, roles);

    public static string For(string sub, string name, string? tenant, params string[] roles)
    {
        var claims = new List<Claim> { new("sub", sub), new("name", name) };
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        if (tenant is not null)
        {
            claims.Add(new Claim("tenant", tenant));
        }
        var now = DateTime.UtcNow;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = IssuerAndAudience,
            Audience = IssuerAndAudience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = Credentials,
        });
    }
}
