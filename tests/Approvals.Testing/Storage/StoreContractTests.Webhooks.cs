using Approvals.Contracts;
using Approvals.Core.Events;
using Approvals.Core.Storage;

namespace Approvals.Testing.Storage;

/// <summary>The contract for webhook subscriptions and deliveries.</summary>
public abstract partial class StoreContractTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    private IWebhookStore Webhooks => Stores.Webhooks;

    private static WebhookSubscription NewSubscription(string id, string tenantId = "tenant-a", params string[] types) =>
        new(id, tenantId, $"https://hooks.example.com/{id}", types.Length == 0 ? ["approval.*"] : types, "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0", T0, null, null);

    /// <summary>Saves <paramref name="count"/> approvals of <paramref name="tenantId"/> with one event each; returns the events as stored (with seq).</summary>
    private async Task<IReadOnlyList<EventRecord>> StoredEventsAsync(int count, string tenantId = "tenant-a")
    {
        var writes = Enumerable.Range(0, count).Select(i =>
        {
            var approval = NewApproval($"apr_{tenantId}_{i:000}", tenantId);
            return (StateWrite)Create(approval, [NewEvent(approval, null)]);
        }).ToArray();
        await SaveCommittedAsync(writes);
        return (await Stores.Events.ReadAfterAsync(0, 1000, None)).Where(e => e.TenantId == tenantId).ToList();
    }

    private static NewWebhookDelivery Delivery(WebhookSubscription subscription, EventRecord e, DateTimeOffset? dueAt = null) =>
        new($"whd_{subscription.Id}_{e.Seq}", subscription.Id, subscription.TenantId, e, dueAt ?? T0);

    [StoreFact]
    public async Task Webhooks_Subscription_RoundTrips_AndIsScopedToItsTenant()
    {
        var subscription = NewSubscription("whk_1", "tenant-a", "approval.*", "workflow.completed");
        await Webhooks.CreateSubscriptionAsync(subscription, None);

        var loaded = await Webhooks.GetSubscriptionAsync("tenant-a", "whk_1", None);
        Assert.NotNull(loaded);
        Assert.Equal(subscription.Url, loaded.Url);
        Assert.Equal(subscription.EventTypes, loaded.EventTypes);
        Assert.Equal(subscription.Secret, loaded.Secret);
        Assert.Equal(T0, loaded.CreatedAt);
        Assert.Null(loaded.DisabledAt);
        Assert.Null(await Webhooks.GetSubscriptionAsync("tenant-b", "whk_1", None));
        Assert.Empty(await Webhooks.ListSubscriptionsAsync("tenant-b", None));
        Assert.False(await Webhooks.DeleteSubscriptionAsync("tenant-b", "whk_1", T0, None));

        Assert.True(await Webhooks.DeleteSubscriptionAsync("tenant-a", "whk_1", T0.AddMinutes(1), None));

        Assert.Null(await Webhooks.GetSubscriptionAsync("tenant-a", "whk_1", None));
        Assert.Empty(await Webhooks.ListSubscriptionsAsync("tenant-a", None));
        Assert.False(await Webhooks.DeleteSubscriptionAsync("tenant-a", "whk_1", T0.AddMinutes(2), None));
    }

    [StoreFact]
    public async Task Webhooks_Enqueue_SameSubscriptionAndEventTwice_MakesOneDelivery()
    {
        var subscription = NewSubscription("whk_1");
        await Webhooks.CreateSubscriptionAsync(subscription, None);
        var events = await StoredEventsAsync(2);

        await Webhooks.EnqueueAsync([Delivery(subscription, events[0]), Delivery(subscription, events[1])], None);
        // A fan-out reading the same events again (another node, or after a crash) makes new ids for them.
        await Webhooks.EnqueueAsync([Delivery(subscription, events[0]) with { Id = "whd_again" }], None);

        var deliveries = await Webhooks.ListDeliveriesAsync("tenant-a", "whk_1", 100, None);
        Assert.Equal(2, deliveries.Count);
        Assert.Equal(events.Select(e => e.Id).Order(), deliveries.Select(d => d.EventId).Order());
        Assert.All(deliveries, d => Assert.Equal(WebhookDeliveryStatus.Pending, d.Status));
        Assert.DoesNotContain(deliveries, d => d.Id == "whd_again");
    }

    [StoreFact]
    public async Task Webhooks_ClaimDue_ReturnsTheEvent_AndHoldsTheDeliveryUntilTheLeaseEnds()
    {
        var subscription = NewSubscription("whk_1");
        await Webhooks.CreateSubscriptionAsync(subscription, None);
        var events = await StoredEventsAsync(2);
        await Webhooks.EnqueueAsync([Delivery(subscription, events[0], T0), Delivery(subscription, events[1], T0.AddMinutes(10))], None);

        Assert.Empty(await Webhooks.ClaimDueDeliveriesAsync(T0.AddTicks(-10), 10, Lease, None));
        var claimed = Assert.Single(await Webhooks.ClaimDueDeliveriesAsync(T0, 10, Lease, None));

        Assert.Equal(events[0], claimed.Event);
        Assert.Equal("whk_1", claimed.Subscription.Id);
        Assert.Equal(subscription.Secret, claimed.Subscription.Secret);
        Assert.Equal(subscription.Url, claimed.Subscription.Url);
        Assert.Equal(0, claimed.Delivery.Attempts);
        Assert.Empty(await Webhooks.ClaimDueDeliveriesAsync(T0.AddSeconds(30), 10, Lease, None));
        var again = Assert.Single(await Webhooks.ClaimDueDeliveriesAsync(T0 + Lease, 10, Lease, None));
        Assert.Equal(claimed.Delivery.Id, again.Delivery.Id);
        Assert.NotEqual(claimed.ClaimToken, again.ClaimToken);
        // The first claimer's lease ended: its late outcome is not recorded over the second claim.
        Assert.False(await Webhooks.RecordAttemptAsync(claimed, new WebhookAttempt(T0 + Lease, true, 200, null, null), None));
        Assert.True(await Webhooks.RecordAttemptAsync(again, new WebhookAttempt(T0 + Lease, true, 204, null, null), None));
    }

    [StoreFact]
    public async Task Webhooks_RecordAttempt_RetriesThenDies_AndTracksTheFailingStreak()
    {
        var subscription = NewSubscription("whk_1");
        await Webhooks.CreateSubscriptionAsync(subscription, None);
        var e = (await StoredEventsAsync(1))[0];
        await Webhooks.EnqueueAsync([Delivery(subscription, e)], None);

        var first = Assert.Single(await Webhooks.ClaimDueDeliveriesAsync(T0, 10, Lease, None));
        Assert.True(await Webhooks.RecordAttemptAsync(first, new WebhookAttempt(T0, false, 503, "HTTP 503", T0.AddSeconds(5)), None));
        var pending = Assert.Single(await Webhooks.ListDeliveriesAsync("tenant-a", "whk_1", 10, None));
        Assert.Equal((WebhookDeliveryStatus.Pending, 1, 503, "HTTP 503"), (pending.Status, pending.Attempts, pending.LastStatusCode, pending.LastError));
        Assert.Equal(T0.AddSeconds(5), pending.NextAttemptAt);
        Assert.Equal(T0, (await Webhooks.GetSubscriptionAsync("tenant-a", "whk_1", None))!.FailingSince);
        Assert.Empty(await Webhooks.ClaimDueDeliveriesAsync(T0.AddSeconds(4), 10, Lease, None));

        var second = Assert.Single(await Webhooks.ClaimDueDeliveriesAsync(T0.AddSeconds(5), 10, Lease, None));
        Assert.Equal(1, second.Delivery.Attempts);
        Assert.Equal(T0, second.Subscription.FailingSince);
        Assert.True(await Webhooks.RecordAttemptAsync(second, new WebhookAttempt(T0.AddSeconds(6), false, null, "refused", null), None));
        var dead = Assert.Single(await Webhooks.ListDeliveriesAsync("tenant-a", "whk_1", 10, None));
        Assert.Equal((WebhookDeliveryStatus.Dead, 2, (int?)null, "refused"), (dead.Status, dead.Attempts, dead.LastStatusCode, dead.LastError));
        Assert.Empty(await Webhooks.ClaimDueDeliveriesAsync(T0.AddDays(30), 10, Lease, None));
        Assert.Equal(T0, (await Webhooks.GetSubscriptionAsync("tenant-a", "whk_1", None))!.FailingSince);

        // A manual redelivery makes it due at once; a success ends the failing streak.
        Assert.False(await Webhooks.RedeliverAsync("tenant-b", "whk_1", dead.Id, T0.AddHours(1), None));
        Assert.True(await Webhooks.RedeliverAsync("tenant-a", "whk_1", dead.Id, T0.AddHours(1), None));
        var third = Assert.Single(await Webhooks.ClaimDueDeliveriesAsync(T0.AddHours(1), 10, Lease, None));
        Assert.True(await Webhooks.RecordAttemptAsync(third, new WebhookAttempt(T0.AddHours(1), true, 200, null, null), None));
        var delivered = Assert.Single(await Webhooks.ListDeliveriesAsync("tenant-a", "whk_1", 10, None));
        Assert.Equal((WebhookDeliveryStatus.Delivered, 3), (delivered.Status, delivered.Attempts));
        Assert.Equal(T0.AddHours(1), delivered.DeliveredAt);
        Assert.Null((await Webhooks.GetSubscriptionAsync("tenant-a", "whk_1", None))!.FailingSince);
    }

    [StoreFact]
    public async Task Webhooks_DisabledOrDeletedSubscriptions_AreNotClaimed()
    {
        var disabled = NewSubscription("whk_disabled");
        var deleted = NewSubscription("whk_deleted");
        var live = NewSubscription("whk_live");
        foreach (var s in new[] { disabled, deleted, live })
        {
            await Webhooks.CreateSubscriptionAsync(s, None);
        }
        var e = (await StoredEventsAsync(1))[0];
        await Webhooks.EnqueueAsync([Delivery(disabled, e), Delivery(deleted, e), Delivery(live, e)], None);

        await Webhooks.DisableSubscriptionAsync("whk_disabled", T0, None);
        Assert.True(await Webhooks.DeleteSubscriptionAsync("tenant-a", "whk_deleted", T0, None));

        var claimed = Assert.Single(await Webhooks.ClaimDueDeliveriesAsync(T0, 10, Lease, None));
        Assert.Equal("whk_live", claimed.Subscription.Id);
        Assert.Equal(T0, (await Webhooks.GetSubscriptionAsync("tenant-a", "whk_disabled", None))!.DisabledAt);
        Assert.Equal(["whk_disabled", "whk_live"], (await Webhooks.ListSubscriptionsAsync("tenant-a", None)).Select(s => s.Id).Order());
    }

    [StoreFact]
    public async Task Webhooks_ListDeliveries_IsNewestFirst_AndScopedToTheTenant()
    {
        var subscription = NewSubscription("whk_1");
        await Webhooks.CreateSubscriptionAsync(subscription, None);
        var events = await StoredEventsAsync(3);
        for (var i = 0; i < events.Count; i++)
        {
            await Webhooks.EnqueueAsync([Delivery(subscription, events[i], T0.AddSeconds(i))], None);
        }

        var listed = await Webhooks.ListDeliveriesAsync("tenant-a", "whk_1", 2, None);

        Assert.Equal([events[2].Id, events[1].Id], listed.Select(d => d.EventId));
        Assert.All(listed, d => Assert.Equal(EventTypes.ApprovalRequested, d.EventType));
        Assert.Empty(await Webhooks.ListDeliveriesAsync("tenant-b", "whk_1", 10, None));
        Assert.False(await Webhooks.RedeliverAsync("tenant-a", "whk_other", listed[0].Id, T0, None));
    }

    [StoreFact]
    public void Webhooks_EventTypePatterns_MatchWithStars()
    {
        Assert.True(WebhookSubscription.GlobMatches("approval.*", "approval.approved"));
        Assert.True(WebhookSubscription.GlobMatches("*", "workflow.completed"));
        Assert.True(WebhookSubscription.GlobMatches("*.completed", "workflow.completed"));
        Assert.True(WebhookSubscription.GlobMatches("approval.approved", "approval.approved"));
        Assert.False(WebhookSubscription.GlobMatches("approval.*", "workflow.started"));
        Assert.False(WebhookSubscription.GlobMatches("approval.approved", "approval.approved_x"));
        Assert.False(WebhookSubscription.GlobMatches("approval.", "approval.approved"));
    }
}
