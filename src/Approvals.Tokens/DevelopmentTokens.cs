using System.Globalization;
using System.Security.Claims;
using System.Xml;
using Approvals.Core.Approvals;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Tokens;

/// <summary>Whom a development token is for and what it lets them do.</summary>
/// <param name="Subject">The <c>sub</c> claim (the user id).</param>
/// <param name="Roles">One <c>role</c> claim each (viewer, requester, reviewer, manager, security_manager, admin).</param>
public sealed record TokenRequest(string Subject, IReadOnlyList<string> Roles)
{
    /// <summary>How long a token is valid when nobody says (8 hours).</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(8);

    /// <summary>The <c>name</c> claim, if any.</summary>
    public string? Name { get; init; }

    /// <summary>The <c>tenant</c> claim; absent means the default tenant.</summary>
    public string? Tenant { get; init; }

    /// <summary>The <c>approval_level</c> claim (1–4), if any.</summary>
    public int? ApprovalLevel { get; init; }

    /// <summary>How long the token is valid.</summary>
    public TimeSpan Lifetime { get; init; } = DefaultLifetime;

    /// <summary>Why the server would refuse such a token (or mint nothing useful), or null when it is fine.</summary>
    public string? Problem() =>
        string.IsNullOrWhiteSpace(Subject) ? "A subject (--sub) is required."
        : Roles.Count == 0 ? "At least one role (--role) is required."
        : ApprovalLevel is { } level && level is < 1 or > RiskPolicy.MaxLevel ? $"--level must be a whole number from 1 to {RiskPolicy.MaxLevel}."
        : Lifetime <= TimeSpan.Zero ? "--expires must be a positive ISO 8601 duration, such as PT8H."
        : null;

    /// <summary>An approval level as a claim or an option writes it: digits only (not "1.5", "-1", " 3" or ""), 1 to 4.</summary>
    public static bool TryParseApprovalLevel(string text, out int level) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out level) && level is >= 1 and <= RiskPolicy.MaxLevel;

    /// <summary>An ISO 8601 duration (<c>PT8H</c>, <c>P1D</c>); false for anything else.</summary>
    public static bool TryParseLifetime(string text, out TimeSpan lifetime)
    {
        try
        {
            lifetime = XmlConvert.ToTimeSpan(text);
            return true;
        }
        catch (FormatException)
        {
            lifetime = default;
            return false;
        }
    }
}

/// <summary>A minted token and, when its key was generated for it, the file now holding that key.</summary>
/// <param name="Token">The signed JWT.</param>
/// <param name="GeneratedKeyPath">Where a newly generated key was written (the server will use it too); null otherwise.</param>
public sealed record MintedToken(string Token, string? GeneratedKeyPath);

/// <summary>
/// Mints the HS256 tokens of the server's <c>token</c> command (and the command line's): claims <c>sub</c>,
/// <c>role</c>, and optionally <c>name</c>, <c>tenant</c> and <c>approval_level</c>, signed with the key the
/// server validates with, for the configured issuer and audience.
/// </summary>
public static class DevelopmentTokens
{
    /// <summary>Resolves the key as the server does (generating one when that is what the server would do) and mints.</summary>
    public static MintedToken Mint(TokenRequest request, SigningSettings settings, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(settings);
        if (request.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(request));
        }
        var (key, generated, path) = SigningKeys.Resolve(settings.SigningKey, settings.IsSqlite, settings.DataFolder);
        var claims = new List<Claim> { new("sub", request.Subject) };
        claims.AddRange(request.Roles.Select(r => new Claim("role", r)));
        if (request.Name is not null) { claims.Add(new Claim("name", request.Name)); }
        if (request.Tenant is not null) { claims.Add(new Claim("tenant", request.Tenant)); }
        if (request.ApprovalLevel is { } level) { claims.Add(new Claim("approval_level", level.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer)); }
        var now = (clock ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + request.Lifetime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });
        return new MintedToken(token, generated ? path : null);
    }
}
