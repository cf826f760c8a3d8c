using System.Net;
using System.Text.Json.Nodes;
using Approvals.Server.Cluster;
using Approvals.Server.Tests.Support;
using Approvals.Testing;
using Approvals.Testing.Http;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Dashboard;

/// <summary>
/// The Orleans dashboard at /dashboard: operators (admin role or admin scope) only, on every endpoint, with the
/// API's credentials or, in a browser, the reviewer inbox's session (signed in on its sign-in page).
/// </summary>
public abstract class DashboardTests<TServer>(TServer server) : ServerTests<TServer>(server) where TServer : ServerFixture
{
    // The page, its data endpoints, and the live log stream.
    private static readonly string[] Endpoints = ["/dashboard", "/dashboard/index.html", "/dashboard/DashboardCounters", "/dashboard/ClusterStats",
        "/dashboard/Reminders", "/dashboard/GrainTypes", "/dashboard/GrainState", "/dashboard/Trace"];

    /// <summary>
    /// Each answer is a 200, and soon one counts at least this node's silo: the dashboard's grain gathers the
    /// counters once a second, so right after a start they may still be empty.
    /// </summary>
    private static async Task CountsThisNodesSiloAsync(Func<Task<Reply>> read) =>
        await Eventually.TrueAsync(async () =>
        {
            var counters = await read();
            Assert.True(counters.Status == HttpStatusCode.OK, counters.ToString());
            return counters.Json["totalActiveHostCount"]!.GetValue<int>() >= 1;
        }, TimeSpan.FromSeconds(30), "the dashboard counts this node's silo");

    [StoreFact]
    public async Task WithoutCredentials_Is401Problem()
    {
        foreach (var path in Endpoints)
        {
            var reply = await Api.GetAsync(path, null);
            Assert.True(reply.Status == HttpStatusCode.Unauthorized, $"{path}: {reply}");
            Assert.Equal("application/problem+json", reply.MediaType);
        }
    }

    [StoreFact]
    public async Task ForAnyoneButAnOperator_Is403Problem()
    {
        var key = await NewKeyAsync("approvals:read", "approvals:create", "workflows:read", "workflows:write", "events:read");
        foreach (var path in Endpoints)
        {
            foreach (var role in new[] { "viewer", "requester", "reviewer", "manager", "security_manager" })
            {
                var reply = await Api.GetAsync(path, Person("pat", "Pat", role));
                Assert.True(reply.Status == HttpStatusCode.Forbidden, $"{path} as {role}: {reply}");
                Assert.Equal("application/problem+json", reply.MediaType);
            }
            var byKey = await Api.GetAsync(path, key);
            Assert.True(byKey.Status == HttpStatusCode.Forbidden, $"{path} with a non-admin key: {byKey}");
        }
    }

    [StoreFact]
    public async Task AnAdmin_OrAnAdminKey_SeesTheDashboardAndItsData()
    {
        var admin = Person("ada", "Ada Admin", "admin");
        var page = await Api.GetAsync("/dashboard/index.html", admin);
        Assert.True(page.Status == HttpStatusCode.OK, page.ToString());
        Assert.Equal("text/html", page.MediaType);

        var key = await NewKeyAsync("admin");
        await CountsThisNodesSiloAsync(() => Api.GetAsync("/dashboard/DashboardCounters", key));
    }

    [StoreFact]
    public async Task WithTheInboxSession_AnAdminOrAnAdminKey_SeesThePageAndItsData()
    {
        var session = await SignInAsync(Person("ada", "Ada Admin", "admin").Token);

        // Opened from the address bar or a bookmark.
        var page = await Api.GetAsync("/dashboard/", null, Browser(session, "none"));
        Assert.True(page.Status == HttpStatusCode.OK, page.ToString());
        Assert.Equal("text/html", page.MediaType);
        Assert.Equal("DENY", page.Header("X-Frame-Options"));
        Assert.Equal("frame-ancestors 'none'", page.Header("Content-Security-Policy"));
        Assert.Equal("nosniff", page.Header("X-Content-Type-Options"));
        // Then what its own script fetches, from this site.
        var script = await Api.GetAsync("/dashboard/index.min.js", null, Fetch(session, "same-origin", "*/*"));
        Assert.True(script.Status == HttpStatusCode.OK, script.ToString());
        await CountsThisNodesSiloAsync(() => Api.GetAsync("/dashboard/DashboardCounters", null, Fetch(session, "same-origin")));

        var keySession = await SignInAsync((await NewKeyAsync("admin")).Text);
        var byKey = await Api.GetAsync("/dashboard/ClusterStats", null, Fetch(keySession, "same-origin"));
        Assert.True(byKey.Status == HttpStatusCode.OK, byKey.ToString());
    }

    [StoreFact]
    public async Task WithTheInboxSession_AnyoneButAnOperator_Gets403Problem_LogStreamIncluded()
    {
        var sessions = new List<(string Who, InboxSession Session)>();
        foreach (var role in new[] { "viewer", "requester", "reviewer", "manager", "security_manager" })
        {
            sessions.Add((role, await SignInAsync(Person("pat", "Pat", role).Token)));
        }
        var key = await NewKeyAsync("approvals:read", "events:read");
        sessions.Add(("a non-admin key", await SignInAsync(key.Text)));

        foreach (var (who, session) in sessions)
        {
            foreach (var path in Endpoints)
            {
                var reply = await Api.GetAsync(path, null, Fetch(session, "same-origin", IsPage(path) ? "text/html" : "application/json"));
                Assert.True(reply.Status == HttpStatusCode.Forbidden, $"{path} as {who}: {reply}");
                Assert.Equal("application/problem+json", reply.MediaType);
            }
        }
    }

    [StoreFact]
    public async Task WithoutASession_ABrowserOpeningThePage_IsSentToSignIn_AndBroughtBack()
    {
        var toSignIn = await Api.GetAsync("/dashboard/", null, ("Accept", "text/html,application/xhtml+xml,*/*;q=0.8"));
        Assert.True(toSignIn.Status == HttpStatusCode.Redirect, toSignIn.ToString());
        Assert.Equal("/signin?returnUrl=%2Fdashboard%2F", toSignIn.Header("Location"));
        var withoutSlash = await Api.GetAsync("/dashboard", null, ("Accept", "text/html"));
        Assert.Equal("/signin?returnUrl=%2Fdashboard", withoutSlash.Header("Location"));

        // Its data is no page: a browser (or a link) asking for it without credentials gets the API's 401.
        foreach (var path in Endpoints.Where(p => !IsPage(p)))
        {
            var reply = await Api.GetAsync(path, null, ("Accept", "text/html"));
            Assert.True(reply.Status == HttpStatusCode.Unauthorized, $"{path}: {reply}");
            Assert.Equal("application/problem+json", reply.MediaType);
        }

        // The sign-in page returns the admin to the dashboard, which the new session opens.
        var session = await SignInAsync(Person("ada", "Ada Admin", "admin").Token, toSignIn.Header("Location")!);
        var back = new Uri(new Uri("http://localhost/"), session.Location).PathAndQuery;
        Assert.Equal("/dashboard/", back);
        var page = await Api.GetAsync(back, null, Browser(session, "same-origin"));
        Assert.True(page.Status == HttpStatusCode.OK, page.ToString());
    }

    [StoreFact]
    public async Task TheSession_CountsForThisSitesOwnReadsOnly_AndNeverOverAnApiCredential()
    {
        var admin = await SignInAsync(Person("ada", "Ada Admin", "admin").Token);

        // A link or a redirect from another site (or a sibling one) carries the Lax cookie: it opens the
        // page, which reads and changes nothing, but reaches none of the data, the log stream included.
        var linked = await Api.GetAsync("/dashboard/", null, Browser(admin, "cross-site"));
        Assert.True(linked.Status == HttpStatusCode.OK, linked.ToString());
        foreach (var site in new[] { "cross-site", "same-site", null })
        {
            foreach (var path in Endpoints.Where(p => !IsPage(p)))
            {
                var reply = await Api.GetAsync(path, null, Browser(admin, site));
                Assert.True(reply.Status == HttpStatusCode.Unauthorized, $"{path} from {site ?? "a request without Sec-Fetch-Site"}: {reply}");
                Assert.Equal("application/problem+json", reply.MediaType);
            }
        }

        // A bearer header or an API key is the credential whatever cookie comes along: an API client gets what it sent.
        var reviewer = await SignInAsync(Person("bob", "Bob", "reviewer").Token);
        var asReviewer = await Api.GetAsync("/dashboard/DashboardCounters", Person("bob", "Bob", "reviewer"), Fetch(admin, "same-origin"));
        var badToken = await Api.GetAsync("/dashboard/DashboardCounters", new BearerToken("not.a.token"), Fetch(admin, "same-origin"));
        var asAdmin = await Api.GetAsync("/dashboard/DashboardCounters", Person("ada", "Ada Admin", "admin"), Fetch(reviewer, "same-origin"));
        Assert.True(asReviewer.Status == HttpStatusCode.Forbidden, asReviewer.ToString());
        Assert.True(badToken.Status == HttpStatusCode.Unauthorized, badToken.ToString());
        Assert.True(asAdmin.Status == HttpStatusCode.OK, asAdmin.ToString());
    }

    private Task<InboxSession> SignInAsync(string credential, string signInPath = "/signin") =>
        InboxSignIn.SignInAsync(Server.Client, credential, signInPath);

    private static bool IsPage(string path) => path is "/dashboard" or "/dashboard/" or "/dashboard/index.html";

    /// <summary>A browser's top-level navigation with the session, from where <c>Sec-Fetch-Site</c> says (null: no such header).</summary>
    private static (string, string)[] Browser(InboxSession session, string? fetchSite) => Fetch(session, fetchSite, "text/html,application/xhtml+xml,*/*;q=0.8");

    /// <summary>A browser's request with the session, as the dashboard's script sends it (<c>Accept: application/json</c>) unless told.</summary>
    private static (string, string)[] Fetch(InboxSession session, string? fetchSite, string accept = "application/json") =>
        fetchSite is null
            ? [("Cookie", session.Cookies), ("Accept", accept)]
            : [("Cookie", session.Cookies), ("Accept", accept), (DashboardAuth.FetchSiteHeader, fetchSite)];

    private async Task<ApiKey> NewKeyAsync(params string[] scopes)
    {
        var body = new JsonObject { ["name"] = "dashboard test", ["scopes"] = new JsonArray([.. scopes.Select(s => JsonValue.Create(s))]) };
        var reply = await Api.PostAsync("/v1/api-keys", Person("ada", "Ada Admin", "admin"), body);
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return new ApiKey(reply.Json["key"]!.GetValue<string>());
    }
}

/// <summary>The rule itself, for what no dashboard endpoint offers today: the session never authenticates a write.</summary>
public sealed class DashboardSessionRuleTests
{
    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public void TheSession_NeverAuthenticatesAWrite_EvenFromThisSite(string method)
    {
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        http.Request.Method = "GET";
        http.Request.Path = "/dashboard/DashboardCounters";
        http.Request.Headers.Cookie = InboxSignIn.SessionCookie + "=a-session";
        http.Request.Headers[DashboardAuth.FetchSiteHeader] = "same-origin";
        Assert.True(DashboardAuth.SessionCounts(http.Request), "the same request as a read uses the session");

        http.Request.Method = method;

        Assert.False(DashboardAuth.SessionCounts(http.Request));
    }
}

[Collection(SqliteServerCollection.Name)]
public sealed class SqliteDashboardTests(SqliteServer server) : DashboardTests<SqliteServer>(server);

[RequiresPostgres]
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresDashboardTests(PostgresServer server) : DashboardTests<PostgresServer>(server);
