using Approvals.Core.Events;

namespace Approvals.Core.Storage;

/// <summary>
/// Webhook subscriptions and their deliveries. A delivery is one (subscription, event) pair, made at
/// most once however often the event is read; it is claimed with a lease and a claim token, so no two
/// senders deliver the same attempt, and a sender that dies leaves it to be claimed again.
/// </summary>
public interface IWebhookStore
{
    /// <summary>Stores a new subscription.</summary>
    Task CreateSubscriptionAsync(WebhookSubscription subscription, CancellationToken cancellationToken);

    /// <summary>The tenant's subscription with this id, or null (also when it was deleted or belongs to another tenant).</summary>
    Task<WebhookSubscription?> GetSubscriptionAsync(string tenantId, string id, CancellationToken cancellationToken);

    /// <summary>The tenant's subscriptions that were not deleted (disabled ones included), oldest first.</summary>
    Task<IReadOnlyList<WebhookSubscription>> ListSubscriptionsAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Deletes the tenant's subscription (its pending deliveries are never sent); false when there is none.</summary>
    Task<bool> DeleteSubscriptionAsync(string tenantId, string id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Disables a subscription whose endpoint kept failing (it stays listed, with its disabled time).</summary>
    Task DisableSubscriptionAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Adds deliveries; one that exists for the same subscription and event is left as it is.</summary>
    Task EnqueueAsync(IReadOnlyList<NewWebhookDelivery> deliveries, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> pending deliveries due at <paramref name="now"/> whose
    /// subscription is live and that nobody holds, leasing each until <paramref name="now"/> + <paramref name="lease"/>.
    /// </summary>
    Task<IReadOnlyList<ClaimedWebhookDelivery>> ClaimDueDeliveriesAsync(DateTimeOffset now, int limit, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>
    /// Records the outcome of a claimed attempt and releases the claim. Ignored (false) when the claim was
    /// lost meanwhile (its lease ended and another sender took it). On success the subscription's
    /// failing streak ends; on failure it starts if it had not.
    /// </summary>
    Task<bool> RecordAttemptAsync(ClaimedWebhookDelivery claimed, WebhookAttempt attempt, CancellationToken cancellationToken);

    /// <summary>The subscription's deliveries, newest first.</summary>
    Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string tenantId, string subscriptionId, int limit, CancellationToken cancellationToken);

    /// <summary>Makes a delivery of the tenant's subscription due again at <paramref name="now"/>, whatever its status; false when there is none.</summary>
    Task<bool> RedeliverAsync(string tenantId, string subscriptionId, string deliveryId, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>A webhook endpoint of a tenant and the event types it wants.</summary>
/// <param name="Id"><c>whk_</c>-prefixed.</param>
/// <param name="TenantId">The owning tenant; only its events are sent.</param>
/// <param name="Url">The absolute http(s) URL deliveries are POSTed to.</param>
/// <param name="EventTypes">Event type patterns; <c>*</c> matches any run of characters.</param>
/// <param name="Secret">The signing secret, <c>whsec_</c> + base64.</param>
/// <param name="CreatedAt">Events before this time are not sent.</param>
/// <param name="DisabledAt">When it was disabled for failing too long, or null.</param>
/// <param name="FailingSince">When its current run of failed attempts began, or null.</param>
public sealed record WebhookSubscription(
    string Id,
    string TenantId,
    string Url,
    IReadOnlyList<string> EventTypes,
    string Secret,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DisabledAt,
    DateTimeOffset? FailingSince)
{
    /// <summary>True when one of <see cref="EventTypes"/> matches <paramref name="eventType"/>.</summary>
    public bool Wants(string eventType) => EventTypes.Any(pattern => GlobMatches(pattern, eventType));

    /// <summary>Whether <paramref name="text"/> matches <paramref name="pattern"/>, where <c>*</c> stands for any run of characters.</summary>
    public static bool GlobMatches(string pattern, string text)
    {
        // Iterative wildcard match: on a mismatch, back up to the last star and let it swallow one more character.
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }
}

/// <summary>Where a delivery stands.</summary>
public enum WebhookDeliveryStatus
{
    /// <summary>Not delivered yet; due at its next attempt time.</summary>
    Pending,
    /// <summary>An attempt got a 2xx.</summary>
    Delivered,
    /// <summary>Every attempt of the schedule failed; only a manual redelivery sends it again.</summary>
    Dead,
}

/// <summary>A delivery to enqueue for one subscription and one event.</summary>
public sealed record NewWebhookDelivery(string Id, string SubscriptionId, string TenantId, EventRecord Event, DateTimeOffset DueAt);

/// <summary>One (subscription, event) delivery and its attempts so far.</summary>
public sealed record WebhookDelivery(
    string Id,
    string SubscriptionId,
    string EventId,
    string EventType,
    WebhookDeliveryStatus Status,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastAttemptAt,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset? DeliveredAt);

/// <summary>A delivery claimed for one attempt, with what sending it needs.</summary>
/// <param name="Delivery">The delivery as claimed.</param>
/// <param name="Subscription">Where it goes and how it is signed.</param>
/// <param name="Event">The event it carries.</param>
/// <param name="ClaimToken">Proves the claim when the attempt is recorded.</param>
public sealed record ClaimedWebhookDelivery(WebhookDelivery Delivery, WebhookSubscription Subscription, EventRecord Event, string ClaimToken);

/// <summary>The outcome of one attempt.</summary>
/// <param name="At">When the attempt ended.</param>
/// <param name="Delivered">True when the endpoint answered 2xx in time.</param>
/// <param name="StatusCode">The endpoint's status, if it answered.</param>
/// <param name="Error">Why it failed, if it did.</param>
/// <param name="RetryAt">For a failure: when to try again, or null to give up (dead-letter).</param>
public sealed record WebhookAttempt(DateTimeOffset At, bool Delivered, int? StatusCode, string? Error, DateTimeOffset? RetryAt);
