using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Testing.Http;

/// <summary>Whoever a token is minted for: the claims it carries.</summary>
public interface ITokenSubject
{
    string Id { get; }

    string Name { get; }

    string Tenant { get; }

    IReadOnlyList<string> Roles { get; }

    /// <summary>The <c>approval_level</c> claim, when there is one.</summary>
    int? ApprovalLevel => null;
}

/// <summary>
/// Mints tokens the way an identity provider would, independently of the server's own token command:
/// HS256 over a fixed test key (configured as <c>Approvals:Auth:SigningKey</c>), issuer and audience
/// <c>approvals</c>, claims sub/name/role/tenant (and approval_level when given).
/// Every way of minting a token the server must refuse lives here too.
/// </summary>
public static class TestTokens
{
    public const string Issuer = "approvals";
    public const string Audience = "approvals";

    /// <summary>64 fixed bytes: long enough for HS512 too, so that test is about the algorithm, not the key size.</summary>
    public static byte[] KeyBytes { get; } = SHA512.HashData("approvals-server-tests-signing-key"u8);

    /// <summary>The key as the server is configured with it (base64 of ≥ 32 bytes is used as bytes).</summary>
    public static string KeySetting { get; } = Convert.ToBase64String(KeyBytes);

    /// <summary>A valid HS256 token for <paramref name="subject"/>.</summary>
    public static string Mint(ITokenSubject subject) => Mint(subject, SecurityAlgorithms.HmacSha256);

    /// <summary>A token with everything right except what the arguments change.</summary>
    public static string Mint(ITokenSubject subject, string algorithm, byte[]? key = null, string issuer = Issuer, string audience = Audience,
        DateTime? notBefore = null, DateTime? expires = null)
    {
        var now = DateTime.UtcNow;
        var issuedAt = notBefore ?? now.AddMinutes(-1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(Claims(subject)),
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? KeyBytes), algorithm),
        });
    }

    /// <summary>An unsigned token (<c>"alg": "none"</c>) with otherwise valid claims.</summary>
    public static string MintUnsigned(ITokenSubject subject)
    {
        var header = new JsonObject { ["alg"] = "none", ["typ"] = "JWT" };
        return $"{Base64Url(header.ToJsonString())}.{Base64Url(Payload(subject).ToJsonString())}.";
    }

    /// <summary>
    /// A correctly signed HS256 token carrying exactly <paramref name="payload"/>: for claims no token
    /// library would write from typed claims (a missing <c>sub</c>, an <c>approval_level</c> of "abc" or 1.5).
    /// Start from <see cref="Payload"/> and change what the test is about.
    /// </summary>
    public static string MintSigned(JsonObject payload)
    {
        var header = new JsonObject { ["alg"] = "HS256", ["typ"] = "JWT" };
        var signingInput = $"{Base64Url(header.ToJsonString())}.{Base64Url(payload.ToJsonString())}";
        var signature = HMACSHA256.HashData(KeyBytes, Encoding.ASCII.GetBytes(signingInput));
        return $"{signingInput}.{Base64UrlEncoder.Encode(signature)}";
    }

    /// <summary>The payload of a valid token for <paramref name="subject"/>, valid from a minute ago for an hour.</summary>
    public static JsonObject Payload(ITokenSubject subject)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new JsonObject
        {
            ["iss"] = Issuer,
            ["aud"] = Audience,
            ["sub"] = subject.Id,
            ["name"] = subject.Name,
            ["role"] = new JsonArray([.. subject.Roles.Select(r => (JsonNode)JsonValue.Create(r))]),
            ["tenant"] = subject.Tenant,
            ["iat"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        };
        if (subject.ApprovalLevel is { } level)
        {
            payload["approval_level"] = level;
        }
        return payload;
    }

    private static List<Claim> Claims(ITokenSubject subject)
    {
        var claims = new List<Claim> { new("sub", subject.Id), new("name", subject.Name), new("tenant", subject.Tenant) };
        claims.AddRange(subject.Roles.Select(role => new Claim("role", role)));
        if (subject.ApprovalLevel is { } level)
        {
            claims.Add(new Claim("approval_level", level.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer));
        }
        return claims;
    }

    private static string Base64Url(string text) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(text));
}
