using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Approvals.Inbox.Tests.Hosting;
using Approvals.Server.Auth;
using Approvals.Testing.Http;
using Deque.AxeCore.Playwright;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Approvals.Inbox.Tests.Inbox;

/// <summary>
/// The reviewer inbox as a person uses it, in Chromium, against the real server; written once and
/// subclassed per backend. Each test is its own tenant's: people, requests and counts of its own.
/// Every wait is Playwright's auto-waiting expectation (or a condition with a deadline), never a sleep,
/// and nothing is asserted about how long anything took. Each test leaves a screenshot under
/// <c>screenshots/&lt;backend&gt;/</c> in the test output folder.
/// </summary>
public abstract class InboxBrowserTests<TServer>(InboxFixture<TServer> fixture) : IAsyncLifetime where TServer : InboxServer, new()
{
    // Generous: the first page of a test may activate grains on a machine busy with other work.
    private const float Patience = 20_000;

    private readonly List<IBrowserContext> _contexts = [];

    private string Tenant { get; } = $"t_{Guid.NewGuid():N}";

    private InboxServer Server => fixture.Server;

    private Caller Person(string id, string name, params string[] roles) => new(id, name, Tenant, roles);

    private Caller Rita => Person("rita", "Rita Requester", "requester");

    private Caller Bob => Person("bob", "Bob Reviewer", "reviewer");

    public Task InitializeAsync()
    {
        SetDefaultExpectTimeout(Patience);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
    }

    [BrowserFact]
    public async Task SignIn_WithATokenFromTheTokenCommand_OpensTheInboxInAnHttpOnlyLaxSecureSession()
    {
        // Minted by the server's own `token` command, with the key the server validates with.
        var token = MintWithTokenCommand("--sub", "bob", "--name", "Bob Reviewer", "--role", "reviewer", "--tenant", Tenant);
        var page = await NewPageAsync();

        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/signin\\?returnUrl=%2F$"));
        await page.GetByLabel("Token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Inbox", Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator("header")).ToContainTextAsync("Bob Reviewer");
        await Expect(page.Locator("header")).ToContainTextAsync($"reviewer · approval level 1 · tenant {Tenant}");
        var session = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "approvals_session");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, session.SameSite);
        Assert.True(session.Secure, "outside Development the session cookie is Secure");
        await ScreenshotAsync(page, "signed-in");
    }

    [BrowserFact]
    public async Task SignIn_WithAForgedOrUnmappableToken_SaysWhyAndStartsNoSession()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/signin");

        await page.GetByLabel("Token").FillAsync(TestTokens.Mint(Bob, "HS256", key: new byte[32]));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The token is invalid or expired.");

        // Signed correctly, but with claims the API refuses: the API's own reason.
        var payload = TestTokens.Payload(Bob);
        payload["approval_level"] = "high";
        await page.GetByLabel("Token").FillAsync(TestTokens.MintSigned(payload));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("approval_level must be one whole number from 1 to 4");

        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "approvals_session");
        await ScreenshotAsync(page, "sign-in-refused");
    }

    [BrowserFact]
    public async Task Inbox_ListsPendingRequestsSoonestDeadlineFirst_WithRiskRequesterAgentTimeLeftAndCounts()
    {
        await FileAsync(Rita, "Rotate the staging database password", risk: 20, expiresIn: "PT3H", agent: "agt_rotator");
        await FileAsync(Rita, "Send the Q3 report to a partner", risk: 72, expiresIn: "PT1H", agent: "agt_mailer",
            summary: "Quarterly numbers for partner@example.com");
        await FileAsync(Rita, "Scale the web tier to 12 nodes", risk: 45, expiresIn: "PT2H", agent: "agt_scaler");
        var decided = await FileAsync(Rita, "Restart the cache", risk: 10);
        await DecideThroughTheApiAsync(Bob, decided, "approve");
        var page = await SignInAsync(Bob);

        await Expect(page.Locator("#inbox-list td.title a")).ToHaveTextAsync(
            ["Send the Q3 report to a partner", "Scale the web tier to 12 nodes", "Rotate the staging database password"]);
        var first = page.Locator("#inbox-list tbody tr").First;
        await Expect(first.Locator("[data-label=Risk]")).ToHaveTextAsync("high · 72");
        await Expect(first.Locator("[data-label=Requester]")).ToHaveTextAsync("Rita Requester");
        await Expect(first.Locator("[data-label=Agent]")).ToHaveTextAsync("agt_mailer");
        await Expect(first.Locator("[data-label='Time left']")).ToHaveTextAsync(new Regex("^([0-9]+ min|1 h 0 min)$"));
        await Expect(first.Locator("[data-label=Status]")).ToHaveTextAsync("pending");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "pending 3" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "approved 1" })).ToBeVisibleAsync();
        await ScreenshotAsync(page, "inbox");

        // Filters narrow the list the way the API's query parameters do.
        await page.GetByLabel("Agent").FillAsync("agt_scaler");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page.Locator("#inbox-list td.title a")).ToHaveTextAsync(["Scale the web tier to 12 nodes"]);
        await page.GetByLabel("Agent").FillAsync("");
        await page.GetByLabel("Status", new() { Exact = true }).SelectOptionAsync("approved");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page.Locator("#inbox-list td.title a")).ToHaveTextAsync(["Restart the cache"]);
    }

    [BrowserFact]
    public async Task Inbox_PagesWithACursor()
    {
        for (var i = 0; i < 27; i++)
        {
            await FileAsync(Rita, $"Request {i:00}", expiresIn: $"PT{i + 1}H");
        }
        var page = await SignInAsync(Bob);

        await Expect(page.Locator("#inbox-list tbody tr")).ToHaveCountAsync(25);
        await Expect(page.Locator("#inbox-list td.title a").First).ToHaveTextAsync("Request 00");
        await page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();

        await Expect(page.Locator("#inbox-list td.title a")).ToHaveTextAsync(["Request 25", "Request 26"]);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Next page" })).ToHaveCountAsync(0);
        await ScreenshotAsync(page, "second-page");
        await page.GetByRole(AriaRole.Link, new() { Name = "First page" }).ClickAsync();
        await Expect(page.Locator("#inbox-list tbody tr")).ToHaveCountAsync(25);
    }

    [BrowserFact]
    public async Task Request_ShowsItsOperationContextPolicyAndAuditTrail()
    {
        var id = await FileAsync(Rita, "Send the Q3 report to a partner", risk: 45, agent: "agt_mailer",
            summary: "Quarterly numbers for the partner",
            context: new JsonObject { ["recipient"] = "partner@example.com", ["attachments"] = new JsonArray("q3.pdf", "q3.xlsx") },
            policy: new JsonObject { ["required_approvals"] = 2, ["approver_roles"] = new JsonArray("manager", "admin") });
        var page = await SignInAsync(Person("mia", "Mia Manager", "manager"));

        await page.GetByRole(AriaRole.Link, new() { Name = "Send the Q3 report to a partner" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex($"/requests/{id}$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Send the Q3 report to a partner" })).ToBeVisibleAsync();
        await Expect(page.Locator("#context")).ToContainTextAsync("\"recipient\": \"partner@example.com\"");
        await Expect(page.Locator("#context")).ToContainTextAsync("\"q3.xlsx\"");
        var operation = page.Locator("section", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Operation" }) });
        await Expect(operation).ToContainTextAsync("send_email");
        await Expect(operation).ToContainTextAsync("gmail");
        await Expect(operation).ToContainTextAsync("agt_mailer");
        var policy = page.Locator("section", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Policy" }) });
        await Expect(policy).ToContainTextAsync("2 (risk medium, score 45)");
        await Expect(policy).ToContainTextAsync("0 of 2");
        await Expect(policy).ToContainTextAsync("manager, admin");
        var audit = page.Locator("section", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Audit trail" }) });
        await Expect(audit.Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(audit).ToContainTextAsync("approval.requested");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeEnabledAsync();
        await ScreenshotAsync(page, "request");
    }

    [BrowserFact]
    public async Task Approve_WithANote_ShowsTheNewStatus_AndTheApiAgrees()
    {
        var id = await FileAsync(Rita, "Free disk on db-7", risk: 30);
        var page = await SignInAsync(Bob);
        await page.GotoAsync($"/requests/{id}");

        await page.GetByLabel("Note (optional)").FillAsync("Checked the volume: go ahead.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "You approved this request." })).ToBeVisibleAsync();
        await Expect(page.Locator("h1 + p .badge").First).ToHaveTextAsync("approved");
        var history = page.Locator("section", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Decision history" }) });
        await Expect(history).ToContainTextAsync("Bob Reviewer (bob)");
        await Expect(history).ToContainTextAsync("Checked the volume: go ahead.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeDisabledAsync();
        await Expect(page.Locator("#why-not")).ToHaveTextAsync("You cannot decide: Already decided: the request is approved.");
        await ScreenshotAsync(page, "approved");

        var stored = (await Server.Api.GetAsync($"/v1/approvals/{id}", Rita)).Json;
        Assert.Equal("approved", stored["status"]!.GetValue<string>());
        Assert.Equal("bob", stored["decided_by"]!.GetValue<string>());
        Assert.Equal("Checked the volume: go ahead.", stored["decision_note"]!.GetValue<string>());
    }

    [BrowserFact]
    public async Task ADecisionMadeThroughTheApi_AppearsOnOpenPagesWithoutAReload()
    {
        var id = await FileAsync(Rita, "Open port 443 on the edge firewall", risk: 30);
        var request = await SignInAsync(Bob);
        await request.GotoAsync($"/requests/{id}");
        var inbox = await SignInAsync(Person("una", "Una Reviewer", "reviewer"));
        await Expect(inbox.Locator("#inbox-list td.title a")).ToHaveTextAsync(["Open port 443 on the edge firewall"]);
        await Expect(request.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeEnabledAsync();
        // Marks both documents: a reload would make new ones, without the mark.
        await request.EvaluateAsync("() => window.notReloaded = true");
        await inbox.EvaluateAsync("() => window.notReloaded = true");

        await DecideThroughTheApiAsync(Person("carol", "Carol Reviewer", "reviewer"), id, "approve", "approved from the API");

        await Expect(request.Locator("h1 + p .badge").First).ToHaveTextAsync("approved");
        await Expect(request.Locator("section", new() { Has = request.GetByRole(AriaRole.Heading, new() { Name = "Decision history" }) }))
            .ToContainTextAsync("Carol Reviewer (carol)");
        await Expect(request.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeDisabledAsync();
        await Expect(inbox.Locator("#inbox-list tbody tr")).ToHaveCountAsync(0);
        await Expect(inbox.GetByRole(AriaRole.Link, new() { Name = "approved 1" })).ToBeVisibleAsync();
        Assert.True(await request.EvaluateAsync<bool>("() => window.notReloaded === true"), "the request page was reloaded");
        Assert.True(await inbox.EvaluateAsync<bool>("() => window.notReloaded === true"), "the inbox was reloaded");
        await ScreenshotAsync(request, "live-update");
    }

    [BrowserFact]
    public async Task WhoMayNotDecide_SeesDisabledButtonsAndWhy()
    {
        // Rita files and may also review: still not her own request.
        var ritaReviews = Person("rita", "Rita Requester", "requester", "reviewer");
        var own = await FileAsync(ritaReviews, "Delete the old backups", risk: 10);
        var high = await FileAsync(Rita, "Grant production database access", risk: 80);

        var rita = await SignInAsync(ritaReviews);
        await rita.GotoAsync($"/requests/{own}");
        await Expect(rita.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeDisabledAsync();
        await Expect(rita.GetByRole(AriaRole.Button, new() { Name = "Reject" })).ToBeDisabledAsync();
        await Expect(rita.Locator("#why-not")).ToHaveTextAsync("You cannot decide: This is your own request: the requester may not decide it.");
        // The reason is what a screen reader announces with the button.
        await Expect(rita.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveAttributeAsync("aria-describedby", "why-not");
        await ScreenshotAsync(rita, "own-request");

        var bob = await SignInAsync(Bob);
        await bob.GotoAsync($"/requests/{high}");
        await Expect(bob.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeDisabledAsync();
        await Expect(bob.Locator("#why-not")).ToHaveTextAsync(
            "You cannot decide: Insufficient approval level. This request needs approval level 3; yours is 1.");
    }

    [BrowserFact]
    public async Task AnApiKey_ReadsTheInboxButNeverDecides()
    {
        var id = await FileAsync(Rita, "Tag the release", risk: 5);
        var admin = Person("ada", "Ada Admin", "admin");
        var created = await Server.Api.PostAsync("/v1/api-keys", admin, new JsonObject { ["name"] = "ci-agent", ["scopes"] = new JsonArray("approvals:read") });
        var page = await NewPageAsync();
        await page.GotoAsync("/signin");
        await page.GetByLabel("Token").FillAsync(created.Json["key"]!.GetValue<string>());
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.Locator("#inbox-list td.title a")).ToHaveTextAsync(["Tag the release"]);
        await Expect(page.Locator("#bulk-why-not")).ToHaveTextAsync("Only people decide approval requests; an API key never does.");
        await page.GetByRole(AriaRole.Link, new() { Name = "Tag the release" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeDisabledAsync();
        await Expect(page.Locator("#why-not")).ToHaveTextAsync("You cannot decide: Only people decide approval requests; an API key never does.");
        await ScreenshotAsync(page, "api-key");
        Assert.Equal("pending", (await Server.Api.GetAsync($"/v1/approvals/{id}", Rita)).Json["status"]!.GetValue<string>());
    }

    [BrowserFact]
    public async Task BulkApprove_DecidesEachSelectedRequest_AndShowsEachResult()
    {
        var low1 = await FileAsync(Rita, "Rotate key A", risk: 10, expiresIn: "PT1H");
        var low2 = await FileAsync(Rita, "Rotate key B", risk: 10, expiresIn: "PT2H");
        var critical = await FileAsync(Rita, "Rotate the root key", risk: 95, expiresIn: "PT3H");
        var untouched = await FileAsync(Rita, "Rotate key C", risk: 10, expiresIn: "PT4H");
        var page = await SignInAsync(Bob);

        await page.GetByLabel("Select: Rotate key A").CheckAsync();
        await page.GetByLabel("Select: Rotate key B").CheckAsync();
        await page.GetByLabel("Select: Rotate the root key").CheckAsync();
        await page.GetByLabel("Note for the selected requests").FillAsync("Quarterly rotation");
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve selected" }).ClickAsync();

        var results = page.Locator("section", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Results of the bulk decision" }) });
        await Expect(results.Locator($"[data-result-id={low1}]")).ToContainTextAsync("approved");
        await Expect(results.Locator($"[data-result-id={low2}]")).ToContainTextAsync("approved");
        await Expect(results.Locator($"[data-result-id={critical}]")).ToContainTextAsync(
            "Not decided: Insufficient approval level. This request needs approval level 4; yours is 1.");
        await Expect(results.Locator("tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#inbox-list td.title a")).ToHaveTextAsync(["Rotate the root key", "Rotate key C"]);
        await ScreenshotAsync(page, "bulk");

        foreach (var (id, status) in new[] { (low1, "approved"), (low2, "approved"), (critical, "pending"), (untouched, "pending") })
        {
            Assert.Equal(status, (await Server.Api.GetAsync($"/v1/approvals/{id}", Rita)).Json["status"]!.GetValue<string>());
        }
    }

    [BrowserFact]
    public async Task Workflow_ShowsItsSteps_TheApprovalItWaitsOn_AndItsHistoryOnceDecided()
    {
        var created = await Server.Api.PostAsync("/v1/workflows", Rita, new JsonObject
        {
            ["name"] = "remediate-disk-full",
            ["input"] = new JsonObject { ["host"] = "db-7" },
            ["steps"] = new JsonArray(
                new JsonObject
                {
                    ["id"] = "review", ["type"] = "approval", ["on_success"] = "execute", ["on_failure"] = "notify",
                    ["approval"] = new JsonObject { ["title"] = "Free disk on db-7", ["risk_score"] = 30, ["expires_in"] = "PT1H" },
                },
                new JsonObject { ["id"] = "execute", ["type"] = "task", ["on_failure"] = "notify", ["timeout"] = "PT1H" },
                new JsonObject { ["id"] = "notify", ["type"] = "task" }),
        });
        Assert.Equal(System.Net.HttpStatusCode.Created, created.Status);
        var page = await SignInAsync(Bob);

        await page.GetByRole(AriaRole.Link, new() { Name = "Workflows" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "remediate-disk-full" }).ClickAsync();

        // The approval is filed right after the workflow's own commit: the page shows it when it is.
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Free disk on db-7" })).ToBeVisibleAsync();
        await Expect(page.Locator("tr[aria-current=step]")).ToContainTextAsync("review (current)");
        await Expect(page.Locator("h1 + p .badge")).ToHaveTextAsync("waiting approval");
        await ScreenshotAsync(page, "workflow");

        await page.GetByRole(AriaRole.Link, new() { Name = "Free disk on db-7" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "You approved this request." })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = created.Json["id"]!.GetValue<string>() }).ClickAsync();

        await Expect(page.Locator("h1 + p .badge")).ToHaveTextAsync("waiting task");
        await Expect(page.Locator("tr[aria-current=step]")).ToContainTextAsync("execute (current)");
        var history = page.Locator("section", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "History" }) });
        await Expect(history.Locator("tbody tr").First).ToContainTextAsync("succeeded");
    }

    [BrowserFact]
    public async Task SignOut_EndsTheSession()
    {
        var page = await SignInAsync(Bob);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("You are signed out.");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "approvals_session");
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/signin\\?returnUrl=%2F$"));
        await ScreenshotAsync(page, "signed-out");
    }

    [BrowserFact]
    public async Task Pages_PassAxe_WorkByKeyboard_AndFitAPhone()
    {
        var id = await FileAsync(Rita, "Send the Q3 report to a partner with a rather long title that must wrap on a phone", risk: 72,
            agent: "agt_mailer", context: new JsonObject { ["recipient"] = "partner@example.com", ["note"] = new string('x', 300) });
        var page = await SignInAsync(Bob, new ViewportSize { Width = 390, Height = 844 });

        foreach (var path in new[] { "/", $"/requests/{id}", "/workflows" })
        {
            await page.GotoAsync(path);
            await Expect(page.Locator("h1")).ToBeVisibleAsync();
            var axe = await page.RunAxe();
            Assert.True(axe.Violations.Length == 0,
                $"{path}: " + string.Join("; ", axe.Violations.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
            // Nothing wider than the phone: no sideways scrolling.
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"{path} is wider than a phone");
        }
        await page.GotoAsync("/");
        await ScreenshotAsync(page, "inbox-phone");

        // The first Tab reaches the skip link, shown with a focus ring; Enter moves to the content.
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
        Assert.NotEqual("none", await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("main")).ToBeFocusedAsync();
    }

    [BrowserFact]
    public async Task AnAdmin_FollowsTheDashboardLink_AndSeesTheClusterOnTheDashboard()
    {
        var page = await SignInAsync(Person("ada", "Ada Admin", "admin"));
        var dashboardCalls = new System.Collections.Concurrent.ConcurrentQueue<(string Url, int Status)>();
        page.Response += (_, response) =>
        {
            if (response.Url.StartsWith(Server.BaseAddress + "dashboard", StringComparison.Ordinal))
            {
                dashboardCalls.Enqueue((response.Url, response.Status));
            }
        };

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Dashboard" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/(#.*)?$"));
        // Drawn from the dashboard's own data calls, which the inbox session authenticated: this node's one silo.
        await Expect(DashboardCounter(page, "Active Silos")).ToHaveTextAsync("1");
        Assert.Contains(dashboardCalls, c => c.Url.EndsWith("/dashboard/DashboardCounters", StringComparison.Ordinal) && c.Status == 200);
        await ScreenshotAsync(page, "dashboard");

        // The live log stream too (a streamed fetch of its own, /dashboard/Trace).
        await page.GetByRole(AriaRole.Link, new() { Name = "Log Stream" }).ClickAsync();
        await Expect(page.Locator("pre")).ToContainTextAsync("connected to the Orleans Dashboard log streaming service");
        Assert.DoesNotContain(dashboardCalls, c => c.Status >= 400);
    }

    [BrowserFact]
    public async Task TheDashboard_IsNotForAReviewer_AndAnotherSitesLinkOpensItsPageButNoneOfItsData()
    {
        var bob = await SignInAsync(Bob);
        await Expect(bob.GetByRole(AriaRole.Link, new() { Name = "Workflows" })).ToBeVisibleAsync();
        await Expect(bob.GetByRole(AriaRole.Link, new() { Name = "Dashboard" })).ToHaveCountAsync(0);
        var refused = await bob.GotoAsync("/dashboard/");
        Assert.Equal(403, refused!.Status);

        // A page of another site (served by the test in place of the network) that links to the dashboard and to
        // its data. Following a link is a top-level GET, so the admin's browser sends the SameSite=Lax session on both.
        var ada = await SignInAsync(Person("ada", "Ada Admin", "admin"));
        const string otherSite = "https://other-site.test/";
        await ada.Context.RouteAsync(otherSite + "**", route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = $"<!doctype html><title>Elsewhere</title><a id=data href='{Server.BaseAddress}dashboard/DashboardCounters'>data</a>"
                + $" <a id=page href='{Server.BaseAddress}dashboard/'>page</a>",
        }));
        await ada.GotoAsync(otherSite);
        var data = await ada.RunAndWaitForResponseAsync(() => ada.Locator("#data").ClickAsync(), Server.BaseAddress + "dashboard/DashboardCounters");
        var sent = await data.Request.AllHeadersAsync();
        Assert.True(sent.TryGetValue("cookie", out var cookie) && cookie.Contains("approvals_session=", StringComparison.Ordinal), "the browser sent the session");
        // Refused, though the session came along: Chromium marks such a request Sec-Fetch-Site: cross-site (Playwright
        // does not report that header; the server tests pin down each value of it).
        Assert.Equal(401, data.Status);

        await ada.GotoAsync(otherSite);
        await ada.Locator("#page").ClickAsync();
        await Expect(DashboardCounter(ada, "Active Silos")).ToHaveTextAsync("1");
        await ScreenshotAsync(ada, "dashboard-linked-from-another-site");
    }

    // ---- helpers ----

    private async Task<IPage> NewPageAsync(ViewportSize? viewport = null)
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString(),
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(Patience);
        _contexts.Add(context);
        return await context.NewPageAsync();
    }

    /// <summary>A browser of its own (its own cookies), signed in as <paramref name="who"/> on the sign-in page, at the inbox.</summary>
    private async Task<IPage> SignInAsync(Caller who, ViewportSize? viewport = null)
    {
        var page = await NewPageAsync(viewport);
        await page.GotoAsync("/signin");
        await page.GetByLabel("Token").FillAsync(who.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Inbox", Exact = true })).ToBeVisibleAsync();
        return page;
    }

    /// <summary>The figure of one of the dashboard overview's counters (its Orleans-made markup: an info box per counter).</summary>
    private static ILocator DashboardCounter(IPage page, string title) =>
        page.Locator(".info-box", new() { Has = page.Locator(".info-box-text", new() { HasTextRegex = new Regex($"^{Regex.Escape(title)}$") }) })
            .Locator(".info-box-number");

    private async Task<string> FileAsync(Caller by, string title, int risk = 10, string expiresIn = "PT1H", string? agent = null, string? summary = null,
        JsonObject? context = null, JsonObject? policy = null)
    {
        var body = new JsonObject
        {
            ["title"] = title,
            ["summary"] = summary,
            ["requested_operation"] = "send_email",
            ["target"] = "gmail",
            ["risk_score"] = risk,
            ["expires_in"] = expiresIn,
            ["agent_id"] = agent,
            ["context"] = context ?? new JsonObject(),
        };
        if (policy is not null)
        {
            body["policy"] = policy;
        }
        var reply = await Server.Api.PostAsync("/v1/approvals", by, body);
        Assert.True(reply.Status == System.Net.HttpStatusCode.Created, reply.ToString());
        return reply.Json["id"]!.GetValue<string>();
    }

    private async Task DecideThroughTheApiAsync(Caller by, string id, string action, string? note = null)
    {
        var reply = await Server.Api.PostAsync($"/v1/approvals/{id}/{action}", by, new JsonObject { ["note"] = note });
        Assert.True(reply.Status == System.Net.HttpStatusCode.OK, reply.ToString());
    }

    /// <summary>A token printed by the server's <c>token</c> command, signed with the key the test server uses.</summary>
    private static string MintWithTokenCommand(params string[] options)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Approvals:Auth:SigningKey"] = TestTokens.KeySetting })
            .Build();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = TokenCommand.Run(["token", .. options], configuration, output, error);
        Assert.True(exit == 0, error.ToString());
        return output.ToString().Trim();
    }

    private async Task ScreenshotAsync(IPage page, string name)
    {
        var backend = typeof(TServer).Name.Replace("InboxServer", "", StringComparison.Ordinal).ToLowerInvariant();
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots", backend);
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }
}

[Collection(SqliteInboxCollection.Name)]
public sealed class SqliteInboxBrowserTests(SqliteInboxFixture fixture) : InboxBrowserTests<SqliteInboxServer>(fixture);

[Collection(PostgresInboxCollection.Name), Approvals.Testing.PostgreSql.RequiresPostgres]
public sealed class PostgresInboxBrowserTests(PostgresInboxFixture fixture) : InboxBrowserTests<PostgresInboxServer>(fixture);
