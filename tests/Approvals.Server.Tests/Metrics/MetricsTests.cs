using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Support;
using Approvals.Server.Tests.Webhooks;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Metrics;

/// <summary>
/// <c>/metrics</c> on a server of its own per backend: Prometheus text that a strict reader accepts, our counters
/// moving by exactly what was done (counted once, at the commit), the requests gauge agreeing with the rows, and
/// who may read it. Figures are read before and after; a figure that should move is waited for with a deadline
/// (the exporter reuses a scrape for a moment and the store figures for a few seconds), never slept for.
/// </summary>
public abstract class MetricsTests<TServer> : ServerTests<TServer>, IClassFixture<TServer>, IAsyncLifetime where TServer : ServerFixture
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly (string, string) Loopback = (ServerFactory.RemoteAddressHeader, "127.0.0.1");

    private Receiver? _receiver;

    protected MetricsTests(TServer server)
        : base(server)
    {
        Requester = Person("rita", "Rita Requester", "requester");
        Reviewer = Person("bob", "Bob Reviewer", "reviewer");
        Admin = Person("ada", "Ada Admin", "admin");
    }

    private Caller Requester { get; }

    private Caller Reviewer { get; }

    private Caller Admin { get; }

    public async Task InitializeAsync() => _receiver = await Receiver.StartAsync();

    public async Task DisposeAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }

    [StoreFact]
    public async Task Metrics_IsStrictPrometheusText_WithOurGauges_OrleansRuntimeAndHttpMetrics()
    {
        var reply = await Api.GetAsync("/metrics", null, Loopback);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        Assert.Equal("text/plain", reply.MediaType);
        Assert.Contains("version=0.0.4", reply.Header("Content-Type"), StringComparison.Ordinal);

        var text = PrometheusText.Parse(reply.Text);
        Assert.Equal("gauge", text.Families["approvals_requests"].Type);
        Assert.Equal("gauge", text.Families["approvals_event_log_lag_seconds"].Type);
        foreach (var status in new[] { "pending", "approved", "rejected", "expired", "cancelled" })
        {
            Assert.NotNull(text.Value("approvals_requests", ("status", status)));
        }
        foreach (var reader in new[] { "workflows", "webhooks" })
        {
            Assert.True(text.Value("approvals_event_log_lag_seconds", ("reader", reader)) >= 0, $"lag of {reader}");
        }
        // Orleans' own meter, the runtime's and ASP.NET Core's (this scrape's own request is left out of the latter).
        Assert.Contains(text.Families.Keys, name => name.StartsWith("orleans_", StringComparison.Ordinal));
        Assert.Contains("orleans_catalog_activations", text.Families.Keys);
        Assert.Contains(text.Families.Keys, name => name.StartsWith("dotnet_", StringComparison.Ordinal));
        Assert.Equal("histogram", text.Families["http_server_request_duration_seconds"].Type);
        Assert.All(text.Families.Values.SelectMany(f => f.Samples).Where(s => s.Name.StartsWith("http_server_", StringComparison.Ordinal)),
            s => Assert.NotEqual("/metrics", s.Labels.GetValueOrDefault("http_route")));
    }

    [StoreFact]
    public async Task ApprovingOne_AddsExactlyOneApprovedDecision_ItsReplayAndARefusalNone()
    {
        var before = await ScrapeAsync();
        var id = await CreateAsync();

        var approve = await Api.PostAsync($"/v1/approvals/{id}/approve", Reviewer, new JsonObject(), ("Idempotency-Key", $"approve-{id}"));
        Assert.True(approve.Status == HttpStatusCode.OK, approve.ToString());
        var after = await ScrapeUntilAsync(s => Decisions(s, "approved") > Decisions(before, "approved"), "the approval to be counted");
        Assert.Equal(Decisions(before, "approved") + 1, Decisions(after, "approved"));

        var replay = await Api.PostAsync($"/v1/approvals/{id}/approve", Reviewer, new JsonObject(), ("Idempotency-Key", $"approve-{id}"));
        Assert.Equal("true", replay.Header("Idempotent-Replayed"));
        var refused = await Api.PostAsync($"/v1/approvals/{id}/reject", Reviewer, new JsonObject());
        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        // A decision is counted before its reply leaves the grain: once a later one shows, the replay and the refusal would have too.
        var marker = await CreateAsync();
        Assert.Equal(HttpStatusCode.OK, (await Api.PostAsync($"/v1/approvals/{marker}/reject", Reviewer, new JsonObject())).Status);
        var last = await ScrapeUntilAsync(s => Decisions(s, "rejected") > Decisions(after, "rejected"), "the later rejection to be counted");

        Assert.Equal(Decisions(after, "approved"), Decisions(last, "approved"));
        Assert.Equal(Decisions(after, "rejected") + 1, Decisions(last, "rejected"));
        Assert.Equal(Decisions(before, "expired"), Decisions(last, "expired"));
        Assert.Equal(Decisions(before, "cancelled"), Decisions(last, "cancelled"));
    }

    [StoreFact]
    public async Task DeadlinesThatPass_AreCountedByWhatTheirPolicyDid_WithTheirLateness()
    {
        var before = await ScrapeAsync();
        var expiring = await CreateAsync(expiresIn: "PT1S");
        var rejecting = await CreateAsync(expiresIn: "PT1S", onExpiry: "reject");

        Assert.Equal("expired", await WaitForFinalStatusAsync(expiring));
        Assert.Equal("rejected", await WaitForFinalStatusAsync(rejecting));
        var after = await ScrapeUntilAsync(s => Lateness(s) >= Lateness(before) + 2, "both expiries to be counted");

        Assert.Equal(Lateness(before) + 2, Lateness(after));
        Assert.Equal(Expired(before, "expired") + 1, Expired(after, "expired"));
        Assert.Equal(Expired(before, "rejected") + 1, Expired(after, "rejected"));
        Assert.Equal(Decisions(before, "expired") + 1, Decisions(after, "expired"));
        Assert.Equal(Decisions(before, "rejected") + 1, Decisions(after, "rejected"));
        Assert.Equal(Decisions(before, "approved"), Decisions(after, "approved"));
    }

    [StoreFact]
    public async Task RequestsGauge_MatchesTheRowsOfEveryStatus()
    {
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await CreateAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await Api.PostAsync($"/v1/approvals/{ids[0]}/approve", Reviewer, new JsonObject())).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostAsync($"/v1/approvals/{ids[1]}/reject", Reviewer, new JsonObject())).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostAsync($"/v1/approvals/{ids[2]}/cancel", Requester, new JsonObject())).Status);

        // The truth from the rows themselves (not from the counters the gauge reads), every tenant of the server.
        var rows = await Server.QueryAsync("SELECT status, count(*) FROM approvals GROUP BY status");
        var truth = rows.ToDictionary(r => (string)r[0], r => Convert.ToDouble(r[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(truth.GetValueOrDefault("pending") >= 1 && truth.GetValueOrDefault("cancelled") >= 1, string.Join(", ", truth));
        var statuses = new[] { "pending", "approved", "rejected", "expired", "cancelled" };

        var scrape = await ScrapeUntilAsync(s => statuses.All(status => s.Value("approvals_requests", ("status", status)) == truth.GetValueOrDefault(status)),
            "the gauge to show the rows' counts");
        Assert.All(statuses, status => Assert.Equal(truth.GetValueOrDefault(status), scrape.Value("approvals_requests", ("status", status))));
    }

    [StoreFact]
    public async Task EventLogLag_ComesBackToZero_OnceTheReadersCaughtUp()
    {
        await CreateAsync();

        var scrape = await ScrapeUntilAsync(s => s.Value("approvals_event_log_lag_seconds", ("reader", "workflows")) == 0
            && s.Value("approvals_event_log_lag_seconds", ("reader", "webhooks")) == 0, "both readers of the log to be caught up");
        Assert.Equal(2, scrape.Families["approvals_event_log_lag_seconds"].Samples.Count);
    }

    [StoreFact]
    public async Task WebhookAttempts_AreCountedByResult()
    {
        var subscribe = await Api.PostAsync("/v1/webhooks", Admin, new JsonObject { ["url"] = _receiver!.Url, ["events"] = new JsonArray("approval.requested") });
        Assert.True(subscribe.Status == HttpStatusCode.Created, subscribe.ToString());
        var before = await ScrapeAsync();
        _receiver.Down = true;

        await CreateAsync();
        await Eventually.TrueAsync(() => Task.FromResult(!_receiver.Received.IsEmpty), Deadline, "the first attempt to reach the receiver");
        _receiver.Down = false;
        var after = await ScrapeUntilAsync(s => Deliveries(s, "delivered") > Deliveries(before, "delivered"), "the delivery to be counted");

        // The attempts of one delivery are made one after another, so by its success every failed one was recorded.
        Assert.Equal(Deliveries(before, "delivered") + 1, Deliveries(after, "delivered"));
        var refused = _receiver.Received.Count(hook => !hook.Accepted);
        Assert.True(refused >= 1, "the receiver refused the first attempt");
        Assert.Equal(Deliveries(before, "failed") + refused, Deliveries(after, "failed"));
        Assert.Equal(Deliveries(before, "dead"), Deliveries(after, "dead"));
    }

    [StoreFact]
    public async Task AnotherHostsMeters_AreNotExported_ThoughTheyShareTheName()
    {
        // Another host in this process (as the other backend's test server is) with a meter and counter of the same names.
        await using var other = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meter = other.GetRequiredService<IMeterFactory>().Create("Approvals");
        var counter = meter.CreateCounter<long>("approvals.decisions", "{request}");
        counter.Add(1000, new KeyValuePair<string, object?>("outcome", "elsewhere"));
        // And one made without any host, as a component built by hand (the webhook delivery tests build their sender so).
        using var handMade = new Meter("Approvals");
        handMade.CreateCounter<long>("approvals.decisions", "{request}").Add(1000, new KeyValuePair<string, object?>("outcome", "by_hand"));

        // Counted only once this server's own decision shows, so the other host's would have shown by then as well.
        var before = await ScrapeAsync();
        Assert.Equal(HttpStatusCode.OK, (await Api.PostAsync($"/v1/approvals/{await CreateAsync()}/approve", Reviewer, new JsonObject())).Status);
        var after = await ScrapeUntilAsync(s => Decisions(s, "approved") > Decisions(before, "approved"), "this server's approval to be counted");

        Assert.Null(after.Value("approvals_decisions_total", ("outcome", "elsewhere")));
        Assert.Null(after.Value("approvals_decisions_total", ("outcome", "by_hand")));
        Assert.Equal(Decisions(before, "approved") + 1, Decisions(after, "approved"));
    }

    [StoreFact]
    public async Task FromElsewhere_WithoutCredentials_Is401Problem()
    {
        var reply = await Api.GetAsync("/metrics", null);

        Assert.True(reply.Status == HttpStatusCode.Unauthorized, reply.ToString());
        Assert.Equal("application/problem+json", reply.MediaType);
        Assert.Equal("unauthorized", reply.Code);
    }

    [StoreFact]
    public async Task FromElsewhere_AnyoneButAnOperator_Is403Problem()
    {
        var key = await NewKeyAsync("approvals:read", "approvals:create", "workflows:read", "workflows:write", "events:read");
        var callers = new List<(string Who, Credential Credential)> { ("a non-admin key", key) };
        callers.AddRange(new[] { "viewer", "requester", "reviewer", "manager", "security_manager" }.Select(role => (role, (Credential)Person("pat", "Pat", role))));
        foreach (var (who, credential) in callers)
        {
            var reply = await Api.GetAsync("/metrics", credential);
            Assert.True(reply.Status == HttpStatusCode.Forbidden, $"{who}: {reply}");
            Assert.Equal("application/problem+json", reply.MediaType);
            Assert.Equal("forbidden", reply.Code);
        }
    }

    [StoreFact]
    public async Task FromElsewhere_AnAdminOrAnAdminKey_ReadsIt()
    {
        foreach (var credential in new Credential[] { Admin, await NewKeyAsync("admin") })
        {
            var reply = await Api.GetAsync("/metrics", credential);
            Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
            Assert.Contains("approvals_requests", PrometheusText.Parse(reply.Text).Families.Keys);
        }
    }

    [StoreFact]
    public async Task FromThisMachine_AnyLoopbackAddress_NeedsNoCredentials()
    {
        foreach (var address in new[] { "127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1" })
        {
            var reply = await Api.GetAsync("/metrics", null, (ServerFactory.RemoteAddressHeader, address));
            Assert.True(reply.Status == HttpStatusCode.OK, $"{address}: {reply}");
        }
        foreach (var address in new[] { "10.0.0.1", "::ffff:10.0.0.1", "2001:db8::1" })
        {
            var reply = await Api.GetAsync("/metrics", null, (ServerFactory.RemoteAddressHeader, address));
            Assert.True(reply.Status == HttpStatusCode.Unauthorized, $"{address}: {reply}");
        }
    }

    private static double Decisions(PrometheusText s, string outcome) => s.Counter("approvals_decisions_total", ("outcome", outcome));

    private static double Expired(PrometheusText s, string outcome) => s.Counter("approvals_expired_total", ("outcome", outcome));

    private static double Lateness(PrometheusText s) => s.Counter("approvals_expiry_lateness_seconds_count");

    private static double Deliveries(PrometheusText s, string result) => s.Counter("approvals_webhook_deliveries_total", ("result", result));

    private async Task<PrometheusText> ScrapeAsync()
    {
        var reply = await Api.GetAsync("/metrics", null, Loopback);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        return PrometheusText.Parse(reply.Text);
    }

    private async Task<PrometheusText> ScrapeUntilAsync(Func<PrometheusText, bool> condition, string what)
    {
        PrometheusText? last = null;
        await Eventually.TrueAsync(async () => condition(last = await ScrapeAsync()), Deadline, what);
        return last!;
    }

    private async Task<string> CreateAsync(string expiresIn = "PT4H", string onExpiry = "expire")
    {
        var body = new JsonObject
        {
            ["title"] = "Rotate the staging database password",
            ["risk_score"] = 10,
            ["expires_in"] = expiresIn,
            ["policy"] = new JsonObject { ["on_expiry"] = onExpiry },
        };
        var reply = await Api.PostAsync("/v1/approvals", Requester, body);
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return reply.Json["id"]!.GetValue<string>();
    }

    /// <summary>Long-polls the request's status until it is final (each poll returns as soon as it changes), within the deadline.</summary>
    private async Task<string> WaitForFinalStatusAsync(string id)
    {
        var status = "pending";
        await Eventually.TrueAsync(async () =>
        {
            var reply = await Api.GetAsync($"/v1/approvals/{id}/status?wait=5", Requester);
            Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
            status = reply.Json["status"]!.GetValue<string>();
            return status != "pending";
        }, Deadline, $"{id} to reach a final status");
        return status;
    }

    private async Task<ApiKey> NewKeyAsync(params string[] scopes)
    {
        var body = new JsonObject { ["name"] = "metrics test", ["scopes"] = new JsonArray([.. scopes.Select(s => JsonValue.Create(s))]) };
        var reply = await Api.PostAsync("/v1/api-keys", Admin, body);
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return new ApiKey(reply.Json["key"]!.GetValue<string>());
    }
}

/// <summary>/metrics on SQLite.</summary>
public sealed class SqliteMetricsTests(SqliteMetricsServer server) : MetricsTests<SqliteMetricsServer>(server);

/// <summary>/metrics on PostgreSQL (skipped without a server unless CI=true).</summary>
[RequiresPostgres]
public sealed class PostgresMetricsTests(PostgresMetricsServer server) : MetricsTests<PostgresMetricsServer>(server);
