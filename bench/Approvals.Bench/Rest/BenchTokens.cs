using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Bench.Rest;

/// <summary>
/// A fresh HS256 key for one server process (given to it as <c>Approvals__Auth__SigningKey</c>) and
/// tokens signed with it, minted as the server's own <c>token</c> command mints them: the same
/// claims, issuer and audience, so both the build before and after the Orleans move accept them.
/// </summary>
public sealed class BenchTokens
{
    /// <summary>The server's default issuer and audience, also passed to it explicitly.</summary>
    public const string IssuerAndAudience = "approvals";

    /// <summary>Distinct reviewers, so approvals are spread over several people as in real use.</summary>
    private const int ReviewerCount = 8;

    private BenchTokens(byte[] key)
    {
        SigningKey = Convert.ToBase64String(key);
        var credentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256);
        // Filing needs the requester role; a reviewer (level 1) may decide low-risk requests that someone else filed.
        Requester = Mint(credentials, "bench-requester", "requester");
        Reviewers = Enumerable.Range(0, ReviewerCount).Select(i => Mint(credentials, $"bench-reviewer-{i}", "reviewer")).ToArray();
    }

    /// <summary>The key as base64 (32 random bytes), the form the server decodes to exactly these bytes.</summary>
    public string SigningKey { get; }

    public string Requester { get; }

    public IReadOnlyList<string> Reviewers { get; }

    /// <summary>A reviewer for the <paramref name="i"/>-th request, round robin.</summary>
    public string Reviewer(int i) => Reviewers[i % Reviewers.Count];

    public static BenchTokens Create() => new(RandomNumberGenerator.GetBytes(32));

    private static string Mint(SigningCredentials credentials, string sub, string role)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = IssuerAndAudience,
            Audience = IssuerAndAudience,
            Subject = new ClaimsIdentity([new Claim("sub", sub), new Claim("name", sub), new Claim("role", role)]),
            IssuedAt = now,
            NotBefore = now,
            // Long enough for the longest run; a token expiring mid-run would turn into 401s.
            Expires = now.AddHours(24),
            SigningCredentials = credentials,
        });
    }
}
