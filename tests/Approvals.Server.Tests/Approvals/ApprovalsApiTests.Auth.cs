using System.Net;
using Approvals.Server.Tests.Support;
using Approvals.Testing.Storage;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Server.Tests.Approvals;

public abstract partial class ApprovalsApiTests<TFixture>
{
    [StoreFact]
    public async Task EveryCall_WithoutToken_Returns401Unauthorized()
    {
        var id = await CreateIdAsync();
        var before = await TenantSnapshotAsync();

        foreach (var response in await CallEveryEndpointAsync(id, token: null))
        {
            AssertProblem(response, HttpStatusCode.Unauthorized, "unauthorized");
        }

        Assert.Equal(before, await TenantSnapshotAsync());
    }

    [StoreFact]
    public async Task EveryCall_WithARefusedToken_Returns401Unauthorized()
    {
        var id = await CreateIdAsync();
        var before = await TenantSnapshotAsync();
        // Each is a requester and a reviewer, so a token that were accepted could both file and decide.
        var user = Person("user_forger", "Fay Forger", "requester", "reviewer", "admin");
        var now = DateTime.UtcNow;
        var refused = new Dictionary<string, string>
        {
            ["garbage"] = "not-a-jwt",
            ["bad signature"] = TestTokens.Mint(user, SecurityAlgorithms.HmacSha256, key: System.Security.Cryptography.SHA512.HashData("some other key"u8)),
            ["expired"] = TestTokens.Mint(user, SecurityAlgorithms.HmacSha256, notBefore: now.AddHours(-3), expires: now.AddHours(-1)),
            ["wrong issuer"] = TestTokens.Mint(user, SecurityAlgorithms.HmacSha256, issuer: "someone-else"),
            ["wrong audience"] = TestTokens.Mint(user, SecurityAlgorithms.HmacSha256, audience: "another-api"),
            ["alg none"] = TestTokens.MintUnsigned(user),
            ["HS512 with the right key"] = TestTokens.Mint(user, SecurityAlgorithms.HmacSha512),
        };

        foreach (var (why, token) in refused)
        {
            foreach (var response in await CallEveryEndpointAsync(id, token))
            {
                Assert.True(response.Status == HttpStatusCode.Unauthorized, $"{why}: {response}");
                AssertProblem(response, HttpStatusCode.Unauthorized, "unauthorized");
            }
        }

        Assert.Equal(before, await TenantSnapshotAsync());
    }

    [StoreFact]
    public async Task Call_WithAValidToken_IsAccepted()
    {
        // The control for the refused tokens: the same minting with nothing changed works.
        var user = Person("user_forger", "Fay Forger", "requester");

        var response = await Api.SendAsync(HttpMethod.Get, "/v1/approvals", TestTokens.Mint(user, SecurityAlgorithms.HmacSha256));

        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    /// <summary>Every call of the section with the given bearer token (or none).</summary>
    private async Task<List<Reply>> CallEveryEndpointAsync(string id, string? token)
    {
        var body = NewRequest().ToJsonString();
        return
        [
            await Api.SendAsync(HttpMethod.Post, "/v1/approvals", token, body),
            await Api.SendAsync(HttpMethod.Post, "/v1/approvals", token, body, ("Idempotency-Key", "unauthenticated-key")),
            await Api.SendAsync(HttpMethod.Get, "/v1/approvals", token),
            await Api.SendAsync(HttpMethod.Get, "/v1/approvals/count", token),
            await Api.SendAsync(HttpMethod.Get, PathOf(id), token),
            await Api.SendAsync(HttpMethod.Get, $"{PathOf(id)}/status", token),
            await Api.SendAsync(HttpMethod.Get, $"{PathOf(id)}/status?wait=5", token),
            await Api.SendAsync(HttpMethod.Post, $"{PathOf(id)}/approve", token, "{}"),
            await Api.SendAsync(HttpMethod.Post, $"{PathOf(id)}/reject", token, "{}"),
            await Api.SendAsync(HttpMethod.Post, $"{PathOf(id)}/cancel", token, "{}"),
            await Api.SendAsync(HttpMethod.Post, $"{PathOf(id)}/extend", token, $"{{\"expires_at\": \"{Iso(DateTimeOffset.UtcNow.AddDays(2))}\"}}"),
            await Api.SendAsync(HttpMethod.Post, "/v1/approvals/bulk-approve", token, $"{{\"ids\": [\"{id}\"]}}"),
            await Api.SendAsync(HttpMethod.Post, "/v1/approvals/bulk-reject", token, $"{{\"ids\": [\"{id}\"]}}"),
        ];
    }
}
