using System.Net.Http.Headers;

namespace Approvals.Server.ApiKeys.Tests.Support;

/// <summary>What a request presents to authenticate.</summary>
public abstract record Credential
{
    public abstract void Apply(HttpRequestMessage request);
}

/// <summary>A person with a JWT, minted by <see cref="TestTokens"/> the way an identity provider would.</summary>
public sealed record Person(string Id, string Tenant, params string[] Roles) : Credential, ITokenSubject
{
    string ITokenSubject.Name => Id;

    IReadOnlyList<string> ITokenSubject.Roles => Roles;

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
