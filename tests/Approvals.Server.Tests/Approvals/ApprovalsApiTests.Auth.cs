using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Approvals.Testing.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Server.Tests.Approvals;

public abstract partial class ApprovalsApiTests<TServer>
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
            foreach (var response in await CallEveryEndpointAsync(id, new BearerToken(token)))
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

        var response = await Api.SendAsync(HttpMethod.Get, "/v1/approvals", new BearerToken(TestTokens.Mint(user, SecurityAlgorithms.HmacSha256)));

        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [StoreFact]
    public async Task EveryEndpoint_WithASignedTokenThatNamesNoValidCaller_Returns401Unauthorized()
    {
        var id = await CreateIdAsync();
        var before = await TenantSnapshotAsync();
        // An admin, so a token that slipped through would be allowed everything; each payload is
        // correctly signed, only the claim named in the key is wrong.
        var admin = Person("user_claims", "Cal Claims", "requester", "reviewer", "admin");
        var refused = new Dictionary<string, BearerToken>
        {
            ["no sub"] = Signed(admin, p => p.Remove("sub")),
            ["empty sub"] = Signed(admin, p => p["sub"] = ""),
            ["blank sub"] = Signed(admin, p => p["sub"] = " \t "),
            ["null sub"] = Signed(admin, p => p["sub"] = null),
            ["approval_level 0"] = Signed(admin, p => p["approval_level"] = 0),
            ["approval_level -1"] = Signed(admin, p => p["approval_level"] = -1),
            ["approval_level 5"] = Signed(admin, p => p["approval_level"] = 5),
            ["approval_level \"abc\""] = Signed(admin, p => p["approval_level"] = "abc"),
            ["approval_level 1.5"] = Signed(admin, p => p["approval_level"] = 1.5),
            ["approval_level \"\""] = Signed(admin, p => p["approval_level"] = ""),
            ["approval_level \"0\""] = Signed(admin, p => p["approval_level"] = "0"),
            ["approval_level \" 3\""] = Signed(admin, p => p["approval_level"] = " 3"),
            ["approval_level true"] = Signed(admin, p => p["approval_level"] = true),
            ["approval_level null"] = Signed(admin, p => p["approval_level"] = null),
            ["approval_level [1, 4]"] = Signed(admin, p => p["approval_level"] = new JsonArray(1, 4)),
            ["approval_level {}"] = Signed(admin, p => p["approval_level"] = new JsonObject { ["level"] = 4 }),
            ["NUL in sub"] = Signed(admin, p => p["sub"] = "user\u0000x"),
            ["control character in tenant"] = Signed(admin, p => p["tenant"] = Tenant + "\u0001"),
            // The fuzzer's case: PostgreSQL cannot store a NUL, so this one reached storage as a 500.
            ["NUL in tenant"] = Signed(admin, p => p["tenant"] = Tenant + "\u0000"),
            ["NUL in name"] = Signed(admin, p => p["name"] = "Cal\u0000"),
        };
        var endpoints = AuthenticatedEndpoints(id);

        foreach (var (why, token) in refused)
        {
            foreach (var (method, path) in endpoints)
            {
                var body = method == HttpMethod.Get || method == HttpMethod.Delete ? null : "{}";
                var response = await Api.SendAsync(method, path, token, body);
                Assert.True(response.Status == HttpStatusCode.Unauthorized, $"{why}, {method} {path}: {response}");
                AssertProblem(response, HttpStatusCode.Unauthorized, "unauthorized");
            }
        }

        Assert.Equal(before, await TenantSnapshotAsync());
    }

    [StoreFact]
    public async Task Refusal_OfATokenForItsClaims_SaysWhichClaim()
    {
        var user = Person("user_claims", "Cal Claims", "requester");

        var noSub = await Api.SendAsync(HttpMethod.Get, "/v1/approvals", Signed(user, p => p.Remove("sub")));
        var badLevel = await Api.SendAsync(HttpMethod.Get, "/v1/approvals", Signed(user, p => p["approval_level"] = 9));

        Assert.Contains("sub", Str(AssertProblem(noSub, HttpStatusCode.Unauthorized, "unauthorized")["detail"]), StringComparison.Ordinal);
        Assert.Contains("approval_level", Str(AssertProblem(badLevel, HttpStatusCode.Unauthorized, "unauthorized")["detail"]), StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task ApprovalLevelClaim_AsJsonNumberOrString_IsThePersonsLevel_EvenBelowTheRoleDefault()
    {
        var admin = Person("user_adm_lvl", "Ada Admin", "admin");
        var critical = await CreateIdAsync(NewRequest(90));

        // An admin's role grants level 4, but the claim says 1: the claim is the person's level.
        foreach (var level1 in new[] { Signed(admin, p => p["approval_level"] = 1), Signed(admin, p => p["approval_level"] = "1") })
        {
            var refused = await Api.SendAsync(HttpMethod.Post, $"{PathOf(critical)}/approve", level1, "{}");
            AssertProblem(refused, HttpStatusCode.Forbidden, "insufficient_approval_level");
        }
        Assert.Equal("pending", Str((await GetApprovalAsync(critical))["status"]));

        // A reviewer's role grants level 1, but the claim says 3, as a number or as a string.
        var reviewer = Person("user_rev_lvl", "Rex Reviewer", "reviewer");
        foreach (var level3 in new[] { Signed(reviewer, p => p["approval_level"] = 3), Signed(reviewer, p => p["approval_level"] = "3") })
        {
            var approved = await Api.SendAsync(HttpMethod.Post, $"{PathOf(await CreateIdAsync(NewRequest(72)))}/approve", level3, "{}");
            Assert.True(approved.Status == HttpStatusCode.OK, approved.ToString());
            Assert.Equal("approved", Str(approved.Json["status"]));
        }
    }

    [StoreFact]
    public async Task Approve_ByAnAdminWhoseApprovalLevelIs0_Returns401_AndLeavesTheRequestPending()
    {
        var critical = await CreateIdAsync(NewRequest(90));
        var admin = Person("user_adm_zero", "Ada Admin", "admin");

        var response = await Api.SendAsync(HttpMethod.Post, $"{PathOf(critical)}/approve", Signed(admin, p => p["approval_level"] = 0), "{}");

        AssertProblem(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("pending", Str((await GetApprovalAsync(critical))["status"]));
    }

    /// <summary>A correctly signed token for <paramref name="user"/> whose payload <paramref name="edit"/> changed.</summary>
    private static BearerToken Signed(Caller user, Action<JsonObject> edit)
    {
        var payload = TestTokens.Payload(user);
        edit(payload);
        return new BearerToken(TestTokens.MintSigned(payload));
    }

    /// <summary>
    /// Every route of the program that requires an authenticated caller, read from the routing table
    /// (so a new endpoint is covered without being listed), with each route parameter set to
    /// <paramref name="id"/>.
    /// </summary>
    private List<(HttpMethod Method, string Path)> AuthenticatedEndpoints(string id)
    {
        var endpoints = Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAuthorizeData>() is not null && e.Metadata.GetMetadata<IAllowAnonymous>() is null)
            // The reviewer inbox's pages read their session cookie and never a bearer token: they send a
            // browser to the sign-in page whatever the header says (Approvals.Inbox.Tests covers them).
            .Where(e => e.Metadata.GetOrderedMetadata<IAuthorizeData>().All(a => a.Policy != global::Approvals.Server.Inbox.InboxAuth.Policy))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => (Method: new HttpMethod(method), Path: "/" + Regex.Replace(
                    // A parameter constrained to a number (the dashboard's pages) gets one, so the route matches.
                    Regex.Replace(e.RoutePattern.RawText!.TrimStart('/'), @"\{[^}:]+:int\}", "1"), @"\{[^}]+\}", id))))
            .ToList();
        // The approvals, workflows, events, audit, API key and webhook calls at the least.
        Assert.True(endpoints.Count >= 25, $"found only {endpoints.Count} authenticated endpoints");
        foreach (var prefix in new[] { "/v1/approvals", "/v1/workflows", "/v1/events", "/v1/audit", "/v1/api-keys", "/v1/webhooks" })
        {
            Assert.Contains(endpoints, e => e.Path.StartsWith(prefix, StringComparison.Ordinal));
        }
        return endpoints;
    }

    /// <summary>Every call of the section with the given bearer token (or none).</summary>
    private async Task<List<Reply>> CallEveryEndpointAsync(string id, BearerToken? token)
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
