using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Server.ApiKeys.Tests.Support;

/// <summary>What a request presents to authenticate.</summary>
public abstract record Credential
{
    public abstract void Apply(HttpRequestMessage request);
}

/// <summary>A person with a JWT, minted here the way an identity provider would.</summary>
public sealed record Person(string Id, string Tenant, params string[] Roles) : Credential
{
    public override void Apply(HttpRequestMessage request) =>
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(this));
}

/// <summary>An API key, sent as <c>Authorization: Bearer</c> or as <c>X-Api-Key</c>.</summary>
public sealed record Key(string Text, bool AsXApiKey = false) : Credential
{
    public Key ViaXApiKey => this with { AsXApiKey = true };

    public override void Apply(HttpRequestMessage request)
    {
        if (AsXApiKey)
        {
            request.Headers.TryAddWithoutValidation("X-Api-Key", Text);
        }
        else
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {Text}");
        }
    }
}

/// <summary>HS256 tokens over a fixed test key; issuer and audience <c>approvals</c>.</summary>
public static class TestTokens
{
    public const string IssuerAndAudience = "approvals";

    private static readonly byte[] KeyBytes = SHA256.HashData("approvals-api-key-tests-signing-key"u8);

    /// <summary>The key as <c>Approvals:Auth:SigningKey</c> takes it (base64 of 32 bytes).</summary>
    public static string KeySetting { get; } = Convert.ToBase64String(KeyBytes);

    public static string Mint(Person person)
    {
        var now = DateTime.UtcNow;
        var claims = new List<Claim> { new("sub", person.Id), new("name", person.Id), new("tenant", person.Tenant) };
        claims.AddRange(person.Roles.Select(role => new Claim("role", role)));
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
