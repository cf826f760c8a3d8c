using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Approvals.Server.Webhooks;
using Approvals.Storage.Sqlite;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Tests.Webhooks;

/// <summary>
/// The fan-out and the sender on a fake clock, so the real retry schedule (5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h, 10 h) and the five-day disabling run in milliseconds, against a real receiver on
/// loopback. "A restart" is new store and service instances on the same database.
/// </summary>
public abstract class WebhookDeliveryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private readonly FakeTimeProvider _clock = new(T0);
    private Receiver? _receiver;
    private int _approvals;

    private Receiver Receiver => _receiver!;

    /// <summary>The stores of this test's database; each call makes new instances (a new node or a restarted one).</summary>
    protected abstract Task<StoreSet> OpenStoresAsync();

    protected abstract Task DropDatabaseAsync();

    public async Task InitializeAsync() => _receiver = await Receiver.StartAsync();

    public async Task DisposeAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
        await DropDatabaseAsync();
    }

    private sealed record Node(StoreSet Stores, WebhookFanOut FanOut, WebhookSender Sender) : IDisposable
    {
        public IWebhookStore Webhooks => Stores.Webhooks;

        public void Dispose() => Sender.Dispose();
    }

    private async Task<Node> StartNodeAsync(bool allowPrivateTargets = true)
    {
        var stores = await OpenStoresAsync();
        await stores.Database.MigrateAsync(None);
        var options = Options.Create(new WebhookOptions { AllowPrivateTargets = allowPrivateTargets });
        var wakeup = new WebhookWakeup();
        return new Node(stores,
            new WebhookFanOut(stores.Events, stores.Checkpoints, stores.Webhooks, wakeup, options, _clock, NullLogger<WebhookFanOut>.Instance),
            new WebhookSender(stores.Webhooks, wakeup, options, _clock, new WebhookMetrics(), NullLogger<WebhookSender>.Instance));
    }

    private async Task SubscribeAsync(Node node, string url, string id = "whk_1", params string[] types) =>
        await node.Webhooks.CreateSubscriptionAsync(
            new WebhookSubscription(id, "tenant-a", url, types.Length == 0 ? ["approval.*"] : types, Secret, _clock.GetUtcNow(), null, null), None);

    /// <summary>Files an approval (one approval.requested event at the clock's time) and returns the event id.</summary>
    private async Task<string> AppendEventAsync(Node node, string type = EventTypes.ApprovalRequested)
    {
        var now = _clock.GetUtcNow();
        var id = $"apr_{++_approvals:0000}";
        var state = new Core.Approvals.ApprovalState
        {
            Id = id,
            TenantId = "tenant-a",
            Status = ApprovalStatus.Pending,
            Title = $"Change {id}",
            RiskScore = 10,
            RequiredApprovalLevel = 1,
            ContextJson = "{}",
            RequestedBy = "rita",
            Policy = Core.Approvals.ApprovalPolicy.Default,
            Decisions = [],
            ExpiresAt = now.AddDays(30),
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        var e = EventHasher.Seal($"evt_{Guid.NewGuid():N}", new NewEvent(type, "rita", new JsonObject { ["title"] = state.Title }), "tenant-a", id, now, null);
        Assert.Equal([WriteOutcome.Committed], await node.Stores.State.SaveAsync([new ApprovalWrite(state, 0, [e], null)], None));
        return e.Id;
    }

    private async Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(Node node, string subscription = "whk_1") =>
        await node.Webhooks.ListDeliveriesAsync("tenant-a", subscription, 1000, None);

    [StoreFact]
    public async Task Outage_RetriesOnTheSchedule_AndAfterRecoveryAndARestart_EveryEventArrivesSigned()
    {
        var node = await StartNodeAsync();
        await SubscribeAsync(node, Receiver.Url);
        var sent = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            sent.Add(await AppendEventAsync(node));
        }
        await AppendEventAsync(node, WorkflowEventTypes.Started); // not subscribed
        Assert.Equal(4, await node.FanOut.RunOnceAsync(None));
        Assert.Equal(0, await node.FanOut.RunOnceAsync(None));
        Receiver.Down = true;

        // Down: the first attempts and two retries fail, each retry due on the schedule.
        Assert.Equal(3, await node.Sender.RunOnceAsync(None));
        Assert.All(await DeliveriesAsync(node), d => Assert.Equal((1, T0.AddSeconds(5)), (d.Attempts, d.NextAttemptAt)));
        _clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, await node.Sender.RunOnceAsync(None));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, await node.Sender.RunOnceAsync(None));
        Assert.All(await DeliveriesAsync(node), d => Assert.Equal((2, T0.AddSeconds(5).AddMinutes(5)), (d.Attempts, d.NextAttemptAt)));
        _clock.Advance(TimeSpan.FromMinutes(5));
        // This node claims the third attempts and dies before sending them.
        Assert.Equal(3, (await node.Webhooks.ClaimDueDeliveriesAsync(_clock.GetUtcNow(), 10, new WebhookOptions().Lease, None)).Count);
        node.Dispose();
        if (node.Stores.Database is SqliteStoreDatabase)
        {
            SqliteConnection.ClearAllPools();
        }

        // The receiver recovers; a new node takes over once the dead node's claims lapse.
        Receiver.Down = false;
        using var restarted = await StartNodeAsync();
        sent.Add(await AppendEventAsync(restarted));
        Assert.Equal(1, await restarted.FanOut.RunOnceAsync(None));
        Assert.Equal(1, await restarted.Sender.RunOnceAsync(None));
        _clock.Advance(new WebhookOptions().Lease);
        Assert.Equal(3, await restarted.Sender.RunOnceAsync(None));

        Assert.All(await DeliveriesAsync(restarted), d => Assert.Equal(WebhookDeliveryStatus.Delivered, d.Status));
        var received = Receiver.Received.ToList();
        Assert.Equal(3 * 2 + 4, received.Count);
        Assert.All(received, hook => Assert.True(StandardWebhooks.Verify(Secret, hook), $"bad signature on {hook.Id}"));
        Assert.Equal(sent.Order(), received.Where(h => h.Accepted).Select(h => h.Id!).Order());
        foreach (var same in received.GroupBy(h => h.Id))
        {
            Assert.Single(same.Select(h => h.Body).Distinct());
            Assert.Equal(same.Key, JsonNode.Parse(same.First().Body)!["id"]!.GetValue<string>());
        }
        // The timestamp is the attempt's own time on the (fake) clock.
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), received[^1].Timestamp);
    }

    [StoreFact]
    public async Task FailingEndpoint_DeadLettersAfterTheSchedule_AndIsDisabledAfterFiveDays()
    {
        using var node = await StartNodeAsync();
        await SubscribeAsync(node, Receiver.Url);
        Receiver.Down = true;
        var first = await AppendEventAsync(node);
        await node.FanOut.RunOnceAsync(None);

        // An hour at a time for six days, a new event every twelve hours; every attempt fails.
        DateTimeOffset? disabledAt = null;
        for (var hour = 0; hour < 6 * 24 && disabledAt is null; hour++)
        {
            for (var round = 0; round < 10 && await node.Sender.RunOnceAsync(None) > 0; round++)
            {
            }
            _clock.Advance(TimeSpan.FromHours(1));
            if (hour % 12 == 11)
            {
                await AppendEventAsync(node);
                await node.FanOut.RunOnceAsync(None);
            }
            disabledAt = (await node.Webhooks.GetSubscriptionAsync("tenant-a", "whk_1", None))!.DisabledAt;
        }

        Assert.NotNull(disabledAt);
        Assert.InRange(disabledAt.Value - T0, TimeSpan.FromDays(5), TimeSpan.FromDays(5.5));
        var deliveries = await DeliveriesAsync(node);
        var firstDelivery = deliveries.Single(d => d.EventId == first);
        Assert.Equal((WebhookDeliveryStatus.Dead, 8), (firstDelivery.Status, firstDelivery.Attempts));
        Assert.Equal(8, Receiver.Received.Count(h => h.Id == first));
        // A disabled subscription gets nothing more, nor new deliveries.
        var countAtDisable = Receiver.Received.Count;
        _clock.Advance(TimeSpan.FromDays(1));
        await AppendEventAsync(node);
        await node.FanOut.RunOnceAsync(None);
        Assert.Equal(0, await node.Sender.RunOnceAsync(None));
        Assert.Equal(countAtDisable, Receiver.Received.Count);
        Assert.Equal(deliveries.Count, (await DeliveriesAsync(node)).Count);
    }

    [StoreFact]
    public async Task Send_WhenTheTargetResolvesToAnInternalAddress_IsRefusedAtConnectTime()
    {
        // The subscription is written straight to storage, as if its name had resolved to a public address
        // when it was created and to loopback now (DNS rebinding): the sender's connect step refuses it.
        using var node = await StartNodeAsync(allowPrivateTargets: false);
        await SubscribeAsync(node, Receiver.Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal));
        await AppendEventAsync(node);
        await node.FanOut.RunOnceAsync(None);

        Assert.Equal(1, await node.Sender.RunOnceAsync(None));

        var delivery = Assert.Single(await DeliveriesAsync(node));
        Assert.Equal((WebhookDeliveryStatus.Pending, 1, (int?)null), (delivery.Status, delivery.Attempts, delivery.LastStatusCode));
        Assert.Contains("internal addresses", delivery.LastError, StringComparison.Ordinal);
        Assert.Empty(Receiver.Received);
    }

    [StoreFact]
    public async Task Send_ToAnAddressThatEmbedsOrTunnelsToAnInternalOne_IsRefusedAtConnectTime()
    {
        // Written straight to storage, as if created before these ranges were refused (or under a name that
        // resolved elsewhere then): the connect step refuses each address without connecting. Each would
        // carry the request to the receiver on 127.0.0.1, or to some other internal place.
        using var node = await StartNodeAsync(allowPrivateTargets: false);
        var port = new Uri(Receiver.Url).Port;
        string[] hosts =
        [
            "[::ffff:0:7f00:1]", // SIIT
            "[64:ff9b:1::7f00:1]", // local-use NAT64
            "[64:ff9b::7f00:1]", // well-known NAT64 to loopback
            "[2001:0:4136:e378:8000:63bf:80ff:fffe]", // Teredo
            "[2002:7f00:1::1]", // 6to4 of loopback
            "[::7f00:1]", // IPv4-compatible loopback
            "168.63.129.16", // Azure's wireserver
        ];
        for (var i = 0; i < hosts.Length; i++)
        {
            await SubscribeAsync(node, $"http://{hosts[i]}:{port}/hook", $"whk_{i}");
        }
        await AppendEventAsync(node);
        await node.FanOut.RunOnceAsync(None);

        Assert.Equal(hosts.Length, await node.Sender.RunOnceAsync(None));

        for (var i = 0; i < hosts.Length; i++)
        {
            var delivery = Assert.Single(await DeliveriesAsync(node, $"whk_{i}"));
            Assert.True(delivery.LastError?.Contains("internal addresses", StringComparison.Ordinal) == true, $"{hosts[i]}: {delivery.LastError}");
        }
        Assert.Empty(Receiver.Received);
    }

    [StoreFact]
    public async Task FanOut_SendsOnlyMatchingTypes_OfTheSubscribersTenant_FromItsCreationOn()
    {
        using var node = await StartNodeAsync();
        await AppendEventAsync(node); // before the subscription
        _clock.Advance(TimeSpan.FromSeconds(1));
        await SubscribeAsync(node, Receiver.Url, "whk_approved", EventTypes.ApprovalApproved);
        await SubscribeAsync(node, Receiver.Url, "whk_all", "*");
        await node.Webhooks.CreateSubscriptionAsync(new WebhookSubscription("whk_other", "tenant-b", Receiver.Url, ["*"], Secret, T0, null, null), None);
        var requested = await AppendEventAsync(node);
        var approved = await AppendEventAsync(node, EventTypes.ApprovalApproved);

        await node.FanOut.RunOnceAsync(None);
        // Reading the log again (a second node, or a crash before the checkpoint) adds nothing.
        await node.Stores.Checkpoints.SaveCheckpointAsync(WebhookFanOut.Consumer, 0, None);
        await new WebhookFanOut(node.Stores.Events, node.Stores.Checkpoints, node.Webhooks, new WebhookWakeup(), Options.Create(new WebhookOptions()), _clock,
            NullLogger<WebhookFanOut>.Instance).RunOnceAsync(None);

        Assert.Equal([approved], (await DeliveriesAsync(node, "whk_approved")).Select(d => d.EventId));
        Assert.Equal(new[] { approved, requested }.Order(), (await DeliveriesAsync(node, "whk_all")).Select(d => d.EventId).Order());
        Assert.Empty(await node.Webhooks.ListDeliveriesAsync("tenant-b", "whk_other", 10, None));
    }
}

/// <summary>The delivery runtime on SQLite: one database file per test.</summary>
public sealed class SqliteWebhookDeliveryTests : WebhookDeliveryTests
{
    private readonly string _folder = Directory.CreateTempSubdirectory("approvals-webhooks-").FullName;

    protected override Task<StoreSet> OpenStoresAsync() =>
        Task.FromResult(StoreSet.Sqlite($"Data Source={Path.Combine(_folder, "approvals.db")}"));

    protected override Task DropDatabaseAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The delivery runtime on PostgreSQL: one schema per test (skipped without a server unless CI=true).</summary>
[RequiresPostgres]
public sealed class PostgresWebhookDeliveryTests : WebhookDeliveryTests
{
    private PostgresDatabase? _database;

    protected override async Task<StoreSet> OpenStoresAsync()
    {
        _database ??= await PostgresDatabase.CreateAsync();
        return StoreSet.Postgres(_database.DataSource);
    }

    protected override async Task DropDatabaseAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
