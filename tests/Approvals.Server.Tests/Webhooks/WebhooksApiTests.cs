using System.Net;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Support;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Webhooks;

/// <summary>
/// The webhook calls over HTTP through the real program, with its fan-out and sender running on the
/// real clock and a short retry schedule (<see cref="WebhookServer"/>: a server of their own, as loopback
/// targets are allowed there), against a real receiver on loopback; written once and subclassed per
/// backend. Progress is awaited by polling with a deadline.
/// </summary>
public abstract class WebhooksApiTests<TServer> : ServerTests<TServer>, IClassFixture<TServer>, IAsyncLifetime where TServer : ServerFixture
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private Receiver? _receiver;

    protected WebhooksApiTests(TServer server)
        : base(server)
    {
        Admin = Person("ada", "Ada Admin", "admin");
        Requester = Person("rita", "Rita Requester", "requester");
        Reviewer = Person("bob", "Bob Reviewer", "reviewer");
        OtherAdmin = new Caller("ada", "Ada Elsewhere", $"other_{Tenant}", ["admin"]);
    }

    private Caller Admin { get; }

    private Caller Requester { get; }

    private Caller Reviewer { get; }

    private Caller OtherAdmin { get; }

    private Receiver Receiver => _receiver!;

    public async Task InitializeAsync() => _receiver = await Receiver.StartAsync();

    public async Task DisposeAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }

    private async Task<JsonObject> SubscribeAsync(params string[] events)
    {
        var reply = await Api.PostAsync("/v1/webhooks", Admin, new JsonObject { ["url"] = Receiver.Url, ["events"] = new JsonArray([.. events.Select(e => JsonValue.Create(e))]) });
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return reply.Json;
    }

    private async Task<string> FileApprovalAsync(int n)
    {
        var reply = await Api.PostAsync("/v1/approvals", Requester,
            new JsonObject { ["title"] = $"Change {n}", ["risk_score"] = 30, ["expires_in"] = "PT4H" });
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return reply.Json["id"]!.GetValue<string>();
    }

    private async Task<JsonArray> DeliveriesAsync(string webhookId)
    {
        var reply = await Api.GetAsync($"/v1/webhooks/{webhookId}/deliveries", Admin);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        return reply.Json["data"]!.AsArray();
    }

    [StoreFact]
    public async Task Receiver_DownForAWhile_GetsEveryEventAfterRecovery_SignedAndRepeatingOnlyWebhookIds()
    {
        var webhook = await SubscribeAsync("approval.*");
        var secret = webhook["secret"]!.GetValue<string>();
        Receiver.Down = true;
        var approvals = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            approvals.Add(await FileApprovalAsync(i));
        }
        var approved = await Api.PostAsync($"/v1/approvals/{approvals[0]}/approve", Reviewer, new JsonObject());
        Assert.True(approved.Status == HttpStatusCode.OK, approved.ToString());
        const int expected = 5; // four approval.requested and one approval.approved

        // The outage lasts until every delivery has failed at least twice.
        await Receiver.WaitUntilAsync(async () =>
        {
            var deliveries = await DeliveriesAsync(webhook["id"]!.GetValue<string>());
            return deliveries.Count == expected && deliveries.All(d => d!["attempts"]!.GetValue<int>() >= 2);
        }, Deadline, "the deliveries did not fail twice each while the receiver was down");
        var failed = await DeliveriesAsync(webhook["id"]!.GetValue<string>());
        Assert.All(failed, d =>
        {
            Assert.Equal("pending", d!["status"]!.GetValue<string>());
            Assert.Equal(503, d["last_status_code"]!.GetValue<int>());
            Assert.NotNull(d["next_attempt_at"]);
        });
        Receiver.Down = false;

        await Receiver.WaitUntilAsync(async () =>
            (await DeliveriesAsync(webhook["id"]!.GetValue<string>())).All(d => d!["status"]!.GetValue<string>() == "delivered"),
            Deadline, "not every delivery was delivered after the receiver recovered");

        var received = Receiver.Received.ToList();
        Assert.All(received, hook => Assert.True(StandardWebhooks.Verify(secret, hook), $"bad signature on {hook.Id}"));
        var accepted = received.Where(h => h.Accepted).Select(h => JsonNode.Parse(h.Body)!.AsObject()).ToList();
        var eventIds = accepted.Select(e => e["id"]!.GetValue<string>()).Distinct().ToList();
        Assert.Equal(expected, eventIds.Count);
        Assert.Equal(approvals.Order(), accepted.Where(e => e["type"]!.GetValue<string>() == "approval.requested")
            .Select(e => e["subject_id"]!.GetValue<string>()).Distinct().Order());
        Assert.Contains(accepted, e => e["type"]!.GetValue<string>() == "approval.approved" && e["subject_id"]!.GetValue<string>() == approvals[0]);
        // A repeat (a retry) carries the webhook-id of the event it repeats, with the very same body.
        foreach (var same in received.GroupBy(h => h.Id))
        {
            Assert.Single(same.Select(h => h.Body).Distinct());
            Assert.Equal(same.Key, JsonNode.Parse(same.First().Body)!["id"]!.GetValue<string>());
        }
        var first = accepted[0];
        Assert.Equal(Tenant, first["tenant_id"]!.GetValue<string>());
        foreach (var member in new[] { "seq", "type", "subject_id", "actor", "at", "data" })
        {
            Assert.True(first.ContainsKey(member), $"the event lacks '{member}': {first}");
        }
    }

    [StoreFact]
    public async Task Create_ShowsTheSecretOnce_AndListsWithoutIt()
    {
        var created = await SubscribeAsync("approval.approved", "workflow.*");

        var secret = created["secret"]!.GetValue<string>();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.True(Convert.FromBase64String(secret["whsec_".Length..]).Length >= 24);
        var list = await Api.GetAsync("/v1/webhooks", Admin);
        Assert.Equal(HttpStatusCode.OK, list.Status);
        var listed = Assert.Single(list.Json["data"]!.AsArray())!.AsObject();
        Assert.Equal(created["id"]!.GetValue<string>(), listed["id"]!.GetValue<string>());
        Assert.Equal(Receiver.Url, listed["url"]!.GetValue<string>());
        Assert.Equal("active", listed["status"]!.GetValue<string>());
        Assert.False(listed.ContainsKey("secret"));
        Assert.DoesNotContain(secret, list.Text, StringComparison.Ordinal);
        var one = await Api.GetAsync($"/v1/webhooks/{listed["id"]}", Admin);
        Assert.DoesNotContain(secret, one.Text, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task NonAdmins_AreForbidden_AndOtherTenantsSeeNothing()
    {
        var created = await SubscribeAsync("*");
        var id = created["id"]!.GetValue<string>();

        var post = await Api.PostAsync("/v1/webhooks", Reviewer, new JsonObject { ["url"] = Receiver.Url, ["events"] = new JsonArray("*") });
        Assert.Equal(HttpStatusCode.Forbidden, post.Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.GetAsync("/v1/webhooks", Requester)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(HttpMethod.Delete, $"/v1/webhooks/{id}", Reviewer, null)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.GetAsync($"/v1/webhooks/{id}/deliveries", Reviewer)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Api.GetAsync("/v1/webhooks", null)).Status);

        Assert.Empty((await Api.GetAsync("/v1/webhooks", OtherAdmin)).Json["data"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync($"/v1/webhooks/{id}/deliveries", OtherAdmin)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(HttpMethod.Delete, $"/v1/webhooks/{id}", OtherAdmin, null)).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await Api.SendAsync(HttpMethod.Delete, $"/v1/webhooks/{id}", Admin, null)).Status);
        Assert.Empty((await Api.GetAsync("/v1/webhooks", Admin)).Json["data"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(HttpMethod.Delete, $"/v1/webhooks/{id}", Admin, null)).Status);
    }

    [StoreFact]
    public async Task Redeliver_SendsTheSameWebhookIdAgain()
    {
        var webhook = await SubscribeAsync("approval.requested");
        var id = webhook["id"]!.GetValue<string>();
        await FileApprovalAsync(1);
        await Receiver.WaitUntilAsync(async () => (await DeliveriesAsync(id)) is [{ } d] && d["status"]!.GetValue<string>() == "delivered",
            Deadline, "the delivery was not delivered");
        var delivery = (await DeliveriesAsync(id))[0]!;
        var firstId = Assert.Single(Receiver.Received).Id;

        var redeliver = await Api.PostAsync($"/v1/webhooks/{id}/deliveries/{delivery["id"]}/redeliver", Admin, null);

        Assert.True(redeliver.Status == HttpStatusCode.Accepted, redeliver.ToString());
        await Receiver.WaitUntilAsync(() => Task.FromResult(Receiver.Received.Count >= 2), Deadline, "the redelivery never came");
        Assert.All(Receiver.Received, hook => Assert.Equal(firstId, hook.Id));
        Assert.Equal(delivery["event_id"]!.GetValue<string>(), firstId);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.PostAsync($"/v1/webhooks/{id}/deliveries/whd_nope/redeliver", Admin, null)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.PostAsync($"/v1/webhooks/{id}/deliveries/{delivery["id"]}/redeliver", OtherAdmin, null)).Status);
    }

    [StoreFact]
    public async Task Create_WithABadUrlOrNoEvents_IsAValidationError()
    {
        foreach (var (url, events) in new (JsonNode? Url, JsonArray Events)[]
        {
            ("ftp://example.com/hook", new JsonArray("*")),
            ("/relative/hook", new JsonArray("*")),
            (null, new JsonArray("*")),
        })
        {
            var reply = await Api.PostAsync("/v1/webhooks", Admin, new JsonObject { ["url"] = url, ["events"] = events });
            Assert.True(reply.Status == HttpStatusCode.BadRequest, reply.ToString());
            Assert.Equal("validation_error", reply.Json["code"]!.GetValue<string>());
            Assert.True(reply.Json["errors"]!.AsObject().ContainsKey("url"), reply.ToString());
        }
        var noEvents = await Api.PostAsync("/v1/webhooks", Admin, new JsonObject { ["url"] = Receiver.Url, ["events"] = new JsonArray() });
        Assert.Equal(HttpStatusCode.BadRequest, noEvents.Status);
        Assert.True(noEvents.Json["errors"]!.AsObject().ContainsKey("events"), noEvents.ToString());
    }
}

/// <summary>The webhook calls on SQLite.</summary>
public sealed class SqliteWebhooksApiTests(SqliteWebhookServer server) : WebhooksApiTests<SqliteWebhookServer>(server);

/// <summary>The webhook calls on PostgreSQL (skipped without a server unless CI=true).</summary>
[RequiresPostgres]
public sealed class PostgresWebhooksApiTests(PostgresWebhookServer server) : WebhooksApiTests<PostgresWebhookServer>(server);
