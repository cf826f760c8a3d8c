using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Approvals.Inbox.Tests.Hosting;
using Approvals.Testing.Http;

namespace Approvals.Inbox.Tests.Inbox;

/// <summary>
/// The inbox session over plain HTTP, as a forger's page or a script would use it (no browser needed):
/// form posts need the anti-forgery token, the cookies carry their flags, and the session cookie and the
/// API's credentials never stand in for each other.
/// </summary>
[Collection(SqliteInboxCollection.Name)]
public sealed class InboxSessionTests(SqliteInboxFixture fixture)
{
    private readonly string _tenant = $"t_{Guid.NewGuid():N}";

    private InboxServer Server => fixture.Server;

    private Caller Rita => new("rita", "Rita", _tenant, ["requester"]);

    private Caller Bob => new("bob", "Bob", _tenant, ["reviewer"]);

    [Fact]
    public async Task OutsideDevelopment_TheSessionAndAntiforgeryCookies_AreHttpOnlyLaxAndSecure_EvenOverPlainHttp()
    {
        // Plain HTTP, as behind a proxy that ends TLS: the flags come from the environment, not the request.
        using var signIn = await GetAsync("/signin", cookies: null);
        var antiforgery = Flags(SetCookie(signIn, InboxSignIn.AntiforgeryCookie));

        var session = Flags((await SignInAsync(Bob)).SetCookie);

        foreach (var cookie in new[] { antiforgery, session })
        {
            Assert.Contains("httponly", cookie);
            Assert.Contains("samesite=lax", cookie);
            Assert.Contains("secure", cookie);
            Assert.Contains("path=/", cookie);
        }
    }

    [Fact]
    public async Task AFormPostWithoutTheAntiforgeryToken_IsRefused_AndDecidesNothing()
    {
        var id = await FileAsync();
        var session = await SignInAsync(Bob);
        var page = await GetAsync($"/requests/{id}", session.Cookies);
        var token = FormToken(await page.Content.ReadAsStringAsync());
        var fields = new Dictionary<string, string> { ["_handler"] = "decide", ["action"] = "approve", ["version"] = "1", ["note"] = "forged" };

        // What another site's form would send along with the person's cookies: everything but the token.
        var forged = await PostAsync($"/requests/{id}", session.Cookies, fields);
        var wrongToken = await PostAsync($"/requests/{id}", session.Cookies, new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = "CfDJ8forged" });
        var signOut = await PostAsync("/signout", session.Cookies, []);

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongToken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, signOut.StatusCode);
        Assert.Equal("pending", await StatusAsync(id));

        // The same post with the page's token is the person's own decision.
        var genuine = await PostAsync($"/requests/{id}", session.Cookies, new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = token });
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        Assert.Equal("approved", await StatusAsync(id));
    }

    [Fact]
    public async Task TheApi_RefusesTheSessionCookie_AndTheInboxIgnoresTheApisBearerHeader()
    {
        var session = await SignInAsync(Bob);

        using var api = new HttpRequestMessage(HttpMethod.Get, "/v1/approvals");
        api.Headers.Add("Cookie", session.Cookies);
        using var apiReply = await Server.Http.SendAsync(api);
        using var inbox = new HttpRequestMessage(HttpMethod.Get, "/");
        Bob.Apply(inbox);
        using var inboxReply = await Server.Http.SendAsync(inbox);

        Assert.Equal(HttpStatusCode.Unauthorized, apiReply.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, inboxReply.StatusCode);
        Assert.Equal("/signin?returnUrl=%2F", inboxReply.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task ARevokedApiKey_EndsItsSessionAtOnce()
    {
        var admin = new Caller("ada", "Ada", _tenant, ["admin"]);
        var created = (await Server.Api.PostAsync("/v1/api-keys", admin, new JsonObject { ["name"] = "agent", ["scopes"] = new JsonArray("approvals:read") })).Json;
        var session = await SignInAsync(created["key"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/", session.Cookies)).StatusCode);

        await Server.Api.DeleteAsync($"/v1/api-keys/{created["id"]!.GetValue<string>()}", admin);

        Assert.Equal(HttpStatusCode.Redirect, (await GetAsync("/", session.Cookies)).StatusCode);
    }

    [Fact]
    public async Task Pages_AreNeitherCachedNorFramed_AndLoadNothingFromElsewhere()
    {
        var session = await SignInAsync(Bob);

        using var page = await GetAsync("/", session.Cookies);

        Assert.Contains("no-store", page.Headers.CacheControl?.ToString());
        Assert.Equal("DENY", string.Join(",", page.Headers.GetValues("X-Frame-Options")));
        var policy = string.Join(",", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(new Regex("(src|href)=\"(https?:)?//"), html);
    }

    // ---- helpers ----

    private Task<InboxSession> SignInAsync(Caller who) => SignInAsync(who.Token);

    private Task<InboxSession> SignInAsync(string credential) => InboxSignIn.SignInAsync(Server.Http, credential);

    private async Task<HttpResponseMessage> GetAsync(string path, string? cookies)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookies is not null)
        {
            request.Headers.Add("Cookie", cookies);
        }
        return await Server.Http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string cookies, Dictionary<string, string> fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("Cookie", cookies);
        return await Server.Http.SendAsync(request);
    }

    /// <summary>A <c>Set-Cookie</c> header's attributes (after the name and value), lower-cased.</summary>
    internal static IReadOnlyList<string> Flags(string setCookie) => [.. setCookie.Split(';').Skip(1).Select(p => p.Trim().ToLowerInvariant())];

    private static string SetCookie(HttpResponseMessage response, string name) => InboxSignIn.SetCookie(response, name);

    private static string FormToken(string html) => InboxSignIn.FormToken(html);

    private async Task<string> FileAsync()
    {
        var reply = await Server.Api.PostAsync("/v1/approvals", Rita, new JsonObject { ["title"] = "Restart the cache", ["risk_score"] = 10 });
        Assert.Equal(HttpStatusCode.Created, reply.Status);
        return reply.Json["id"]!.GetValue<string>();
    }

    private async Task<string> StatusAsync(string id) => (await Server.Api.GetAsync($"/v1/approvals/{id}", Rita)).Json["status"]!.GetValue<string>();
}

/// <summary>In Development neither inbox cookie is Secure over plain HTTP (http://localhost without a browser's exception, tools).</summary>
public sealed class DevelopmentSessionTests(DevelopmentInboxServer server) : IClassFixture<DevelopmentInboxServer>
{
    [Fact]
    public async Task InDevelopment_TheSessionAndAntiforgeryCookies_AreHttpOnlyAndLax_ButNotSecure()
    {
        var bob = new Caller("bob", "Bob", $"t_{Guid.NewGuid():N}", ["reviewer"]);
        using var form = await server.Http.GetAsync("/signin");
        var antiforgery = InboxSignIn.SetCookie(form, InboxSignIn.AntiforgeryCookie);

        var session = (await InboxSignIn.SignInAsync(server.Http, bob.Token)).SetCookie;

        foreach (var flags in new[] { InboxSessionTests.Flags(antiforgery), InboxSessionTests.Flags(session) })
        {
            Assert.Contains("httponly", flags);
            Assert.Contains("samesite=lax", flags);
            Assert.DoesNotContain("secure", flags);
        }
    }
}
