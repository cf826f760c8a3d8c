namespace Approvals.Server.Tests.Support;

/// <summary>A person calling the API: the claims their token carries.</summary>
public sealed record TestUser(string Id, string Name, string Tenant, IReadOnlyList<string> Roles, int? ApprovalLevel = null) : ITokenSubject
{
    /// <summary>A valid HS256 token for this user, minted by <see cref="TestTokens"/>.</summary>
    public string Token => TestTokens.Mint(this);
}
