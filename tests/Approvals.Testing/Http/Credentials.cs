using System.Net.Http.Headers;

namespace Approvals.Testing.Http;

/// <summary>What a request presents to authenticate.</summary>
public abstract record Credential
{
    public abstract void Apply(HttpRequestMessage request);
}

/// <summary>
/// A person calling the API, as their token describes them; the token is a valid HS256 JWT minted by
/// <see cref="TestTokens"/> the way an identity provider would.
/// </summary>
public sealed record Caller(string Id, string Name, string Tenant, IReadOnlyList<string> Roles, int? ApprovalLevel = null) : Credential, ITokenSubject
{
    /// <summary>A valid HS256 token for this person.</summary>
    public string Token => TestTokens.Mint(this);

    public override void Apply(HttpRequestMessage request) =>
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
}

/// <summary>A bearer token exactly as given: a forged, expired or otherwise hand-made one.</summary>
public sealed record BearerToken(string Token) : Credential
{
    public override void Apply(HttpRequestMessage request) =>
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
}

/// <summary>An API key, sent as <c>Authorization: Bearer</c> or as <c>X-Api-Key</c>.</summary>
public sealed record ApiKey(string Text, bool AsXApiKey = false) : Credential
{
    public ApiKey ViaXApiKey => this with { AsXApiKey = true };

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
