namespace Approvals.Server.Configuration;

/// <summary>The <c>Approvals</c> configuration section's server-level settings.</summary>
public sealed class ServerOptions
{
    public const string Section = "Approvals";

    /// <summary>Where the SQLite database and a generated signing key live.</summary>
    public string DataFolder { get; set; } = Tokens.SigningSettings.DefaultDataFolder;

    /// <summary>The largest request body accepted (bigger is 413).</summary>
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;
}

/// <summary>The <c>Approvals:Storage</c> section.</summary>
public sealed class StorageOptions
{
    public const string Section = "Approvals:Storage";

    /// <summary><c>sqlite</c> (default: one node, a file in the data folder) or <c>postgres</c> (several nodes).</summary>
    public string Provider { get; set; } = Tokens.SigningSettings.DefaultProvider;

    /// <summary>The database; for SQLite the default is <c>Data Source={DataFolder}/approvals.db</c>.</summary>
    public string? ConnectionString { get; set; }

    public bool IsPostgres => string.Equals(Provider, "postgres", StringComparison.OrdinalIgnoreCase)
        || string.Equals(Provider, "postgresql", StringComparison.OrdinalIgnoreCase);

    public bool IsSqlite => Tokens.SigningSettings.IsSqliteProvider(Provider);
}

/// <summary>The <c>Approvals:Auth</c> section.</summary>
public sealed class AuthOptions
{
    public const string Section = "Approvals:Auth";

    /// <summary>HS256 key (≥ 32 bytes; base64 or text). Generated into the data folder when absent (SQLite only).</summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = Tokens.SigningSettings.DefaultIssuer;

    public string Audience { get; set; } = Tokens.SigningSettings.DefaultAudience;

    /// <summary>An OIDC authority whose keys validate tokens instead of the signing key.</summary>
    public string? Authority { get; set; }

    /// <summary>The most clock difference tolerated on token times (at most 30 s).</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
