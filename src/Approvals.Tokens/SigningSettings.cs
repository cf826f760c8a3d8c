using Microsoft.Extensions.Configuration;

namespace Approvals.Tokens;

/// <summary>
/// What signing a token takes, as the server is configured: the key (or, without one, the data folder
/// that keeps a generated key, SQLite only), the issuer and the audience. Read from the same settings the
/// server reads, so a token minted by either the server's <c>token</c> command or the command line is one
/// the server accepts.
/// </summary>
/// <param name="SigningKey">The configured HS256 key (base64 or text), if any.</param>
/// <param name="Issuer">The <c>iss</c> every token must carry.</param>
/// <param name="Audience">The <c>aud</c> every token must carry.</param>
/// <param name="IsSqlite">True when the server runs on SQLite, the one setting where a generated key may be used.</param>
/// <param name="DataFolder">Where a generated key is kept.</param>
public sealed record SigningSettings(string? SigningKey, string Issuer, string Audience, bool IsSqlite, string DataFolder)
{
    /// <summary>The issuer when none is configured (<c>Approvals:Auth:Issuer</c>).</summary>
    public const string DefaultIssuer = "approvals";

    /// <summary>The audience when none is configured (<c>Approvals:Auth:Audience</c>).</summary>
    public const string DefaultAudience = "approvals";

    /// <summary>The data folder when none is configured (<c>Approvals:DataFolder</c>).</summary>
    public const string DefaultDataFolder = "data";

    /// <summary>The storage provider when none is configured (<c>Approvals:Storage:Provider</c>).</summary>
    public const string DefaultProvider = "sqlite";

    /// <summary>The settings under <c>Approvals</c> (<c>Auth:SigningKey</c>, <c>Auth:Issuer</c>, <c>Auth:Audience</c>, <c>Storage:Provider</c>, <c>DataFolder</c>).</summary>
    public static SigningSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string Text(string key, string fallback) => configuration[key] is { Length: > 0 } value ? value : fallback;
        return new SigningSettings(
            configuration["Approvals:Auth:SigningKey"],
            Text("Approvals:Auth:Issuer", DefaultIssuer),
            Text("Approvals:Auth:Audience", DefaultAudience),
            IsSqliteProvider(Text("Approvals:Storage:Provider", DefaultProvider)),
            Text("Approvals:DataFolder", DefaultDataFolder));
    }

    /// <summary>True for the provider name <c>sqlite</c> (any case).</summary>
    public static bool IsSqliteProvider(string provider) => string.Equals(provider, "sqlite", StringComparison.OrdinalIgnoreCase);
}
