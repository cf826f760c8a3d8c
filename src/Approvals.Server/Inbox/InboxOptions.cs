namespace Approvals.Server.Inbox;

/// <summary>The <c>Approvals:Inbox</c> section: how people sign in to the reviewer inbox.</summary>
public sealed class InboxOptions
{
    public const string Section = "Approvals:Inbox";

    /// <summary>
    /// The inbox's client id at the OIDC authority (<c>Approvals:Auth:Authority</c>). With both set, people
    /// sign in through the authority (authorization code with PKCE); without, by pasting a token.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>The client secret, when the authority registers the inbox as a confidential client.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The scopes asked of the authority, space-separated; its ID token must carry <c>sub</c>, <c>role</c> and, if used, <c>tenant</c> and <c>approval_level</c>.</summary>
    public string Scopes { get; set; } = "openid profile";

    /// <summary>
    /// How long a session lasts when nothing else bounds it: an OIDC sign-in, or an API key. A pasted
    /// token's session ends when the token expires.
    /// </summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>True when people sign in through the OIDC authority rather than with a token.</summary>
    public static bool UsesOidc(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["Approvals:Auth:Authority"]) && !string.IsNullOrWhiteSpace(configuration[Section + ":ClientId"]);
}
