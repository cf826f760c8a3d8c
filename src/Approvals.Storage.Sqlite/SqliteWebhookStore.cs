using System.Text.Json;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Dapper;

namespace Approvals.Storage.Sqlite;

/// <summary>Webhook subscriptions and deliveries. The single in-process writer makes a claim exclusive without row locks.</summary>
public sealed class SqliteWebhookStore(SqliteStoreDatabase database) : IWebhookStore
{
    private const string SubscriptionColumns = "s.id, s.tenant_id, s.url, s.event_types, s.secret, s.created_at, s.disabled_at, s.failing_since";

    private const string DeliveryColumns =
        "d.id, d.subscription_id, d.event_id, d.event_type, d.status, d.attempts, d.created_at, d.next_attempt_at, d.last_attempt_at, d.last_status_code, d.last_error, d.delivered_at";

    public Task CreateSubscriptionAsync(WebhookSubscription subscription, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            """
            INSERT INTO webhook_subscriptions (id, tenant_id, url, event_types, secret, created_at, disabled_at, failing_since, deleted_at)
            VALUES (@Id, @TenantId, @Url, @types, @Secret, @created, NULL, NULL, NULL);
            """,
            new { subscription.Id, subscription.TenantId, subscription.Url, types = JsonSerializer.Serialize(subscription.EventTypes), subscription.Secret,
                created = Micros.From(subscription.CreatedAt) }, transaction), cancellationToken);

    public async Task<WebhookSubscription?> GetSubscriptionAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<SubscriptionRow>(new CommandDefinition(
            $"SELECT {SubscriptionColumns} FROM webhook_subscriptions s WHERE s.tenant_id = @tenantId AND s.id = @id AND s.deleted_at IS NULL;",
            new { tenantId, id }, cancellationToken: cancellationToken));
        return row?.ToSubscription();
    }

    public async Task<IReadOnlyList<WebhookSubscription>> ListSubscriptionsAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<SubscriptionRow>(new CommandDefinition(
            $"SELECT {SubscriptionColumns} FROM webhook_subscriptions s WHERE s.tenant_id = @tenantId AND s.deleted_at IS NULL ORDER BY s.created_at, s.id;",
            new { tenantId }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToSubscription()).ToList();
    }

    public Task<bool> DeleteSubscriptionAsync(string tenantId, string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(
            "UPDATE webhook_subscriptions SET deleted_at = @now WHERE tenant_id = @tenantId AND id = @id AND deleted_at IS NULL;",
            new { tenantId, id, now = Micros.From(now) }, transaction) == 1, cancellationToken);

    public Task DisableSubscriptionAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "UPDATE webhook_subscriptions SET disabled_at = @now WHERE id = @id AND disabled_at IS NULL;",
            new { id, now = Micros.From(now) }, transaction), cancellationToken);

    public Task EnqueueAsync(IReadOnlyList<NewWebhookDelivery> deliveries, CancellationToken cancellationToken)
    {
        if (deliveries.Count == 0)
        {
            return Task.CompletedTask;
        }
        return database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            """
            INSERT INTO webhook_deliveries (id, subscription_id, tenant_id, event_id, event_seq, event_type, status, attempts, created_at, next_attempt_at)
            VALUES (@Id, @SubscriptionId, @TenantId, @EventId, @EventSeq, @EventType, 'pending', 0, @Due, @Due)
            ON CONFLICT (subscription_id, event_id) DO NOTHING;
            """,
            deliveries.Select(d => new { d.Id, d.SubscriptionId, d.TenantId, EventId = d.Event.Id, EventSeq = d.Event.Seq, EventType = d.Event.Type, Due = Micros.From(d.DueAt) }),
            transaction), cancellationToken);
    }

    public Task<IReadOnlyList<ClaimedWebhookDelivery>> ClaimDueDeliveriesAsync(DateTimeOffset now, int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid().ToString("N");
        return database.WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(
                """
                UPDATE webhook_deliveries SET claimed_until = @until, claim_token = @token
                WHERE id IN (
                    SELECT d.id FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
                    WHERE d.status = 'pending' AND d.next_attempt_at <= @now AND (d.claimed_until IS NULL OR d.claimed_until <= @now)
                      AND s.disabled_at IS NULL AND s.deleted_at IS NULL
                    ORDER BY d.next_attempt_at LIMIT @limit);
                """,
                new { now = Micros.From(now), until = Micros.From(now + lease), token, limit }, transaction);
            var rows = await connection.QueryAsync<DeliveryRow, SubscriptionRow, ClaimedEventRow, ClaimedWebhookDelivery>(
                $"""
                SELECT {DeliveryColumns}, {SubscriptionColumns}, e.seq, e.id AS event_id, e.type, e.tenant_id, e.subject_id, e.actor, e.at, e.data, e.prev_hash, e.hash
                FROM webhook_deliveries d
                JOIN webhook_subscriptions s ON s.id = d.subscription_id
                JOIN events e ON e.seq = d.event_seq
                WHERE d.claim_token = @token
                ORDER BY d.next_attempt_at, d.id;
                """,
                (d, s, e) => new ClaimedWebhookDelivery(d.ToDelivery(), s.ToSubscription(), e.ToRecord(), token),
                new { token }, transaction, splitOn: "id,seq");
            return (IReadOnlyList<ClaimedWebhookDelivery>)rows.ToList();
        }, cancellationToken);
    }

    public Task<bool> RecordAttemptAsync(ClaimedWebhookDelivery claimed, WebhookAttempt attempt, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var status = attempt.Delivered ? "delivered" : attempt.RetryAt is null ? "dead" : "pending";
            var updated = await connection.ExecuteAsync(
                """
                UPDATE webhook_deliveries
                SET status = @status, attempts = attempts + 1, next_attempt_at = @next, claimed_until = NULL, claim_token = NULL,
                    last_attempt_at = @at, last_status_code = @code, last_error = @error,
                    delivered_at = CASE WHEN @delivered THEN @at ELSE delivered_at END
                WHERE id = @id AND claim_token = @token;
                """,
                new
                {
                    status, next = attempt.RetryAt is { } retry ? Micros.From(retry) : (long?)null, at = Micros.From(attempt.At),
                    code = attempt.StatusCode, error = attempt.Error, delivered = attempt.Delivered, id = claimed.Delivery.Id, token = claimed.ClaimToken,
                }, transaction);
            if (updated == 0)
            {
                return false;
            }
            await connection.ExecuteAsync(
                attempt.Delivered
                    ? "UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = @id;"
                    : "UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, @at) WHERE id = @id;",
                new { id = claimed.Subscription.Id, at = Micros.From(attempt.At) }, transaction);
            return true;
        }, cancellationToken);

    public async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string tenantId, string subscriptionId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<DeliveryRow>(new CommandDefinition(
            $"""
            SELECT {DeliveryColumns} FROM webhook_deliveries d
            WHERE d.tenant_id = @tenantId AND d.subscription_id = @subscriptionId
            ORDER BY d.created_at DESC, d.id DESC LIMIT @limit;
            """,
            new { tenantId, subscriptionId, limit }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToDelivery()).ToList();
    }

    public Task<bool> RedeliverAsync(string tenantId, string subscriptionId, string deliveryId, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(
            """
            UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = @now, claimed_until = NULL, claim_token = NULL
            WHERE id = @deliveryId AND subscription_id = @subscriptionId AND tenant_id = @tenantId
              AND EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.id = @subscriptionId AND s.deleted_at IS NULL);
            """,
            new { tenantId, subscriptionId, deliveryId, now = Micros.From(now) }, transaction) == 1, cancellationToken);

    private static WebhookDeliveryStatus ParseStatus(string status) => status switch
    {
        "pending" => WebhookDeliveryStatus.Pending,
        "delivered" => WebhookDeliveryStatus.Delivered,
        "dead" => WebhookDeliveryStatus.Dead,
        _ => throw new InvalidDataException($"Unknown webhook delivery status '{status}'."),
    };

    private sealed record SubscriptionRow(string Id, string Tenant_Id, string Url, string Event_Types, string Secret, long Created_At, long? Disabled_At, long? Failing_Since)
    {
        public WebhookSubscription ToSubscription() => new(Id, Tenant_Id, Url, JsonSerializer.Deserialize<string[]>(Event_Types) ?? [], Secret,
            Micros.To(Created_At), Disabled_At is { } d ? Micros.To(d) : null, Failing_Since is { } f ? Micros.To(f) : null);
    }

    private sealed record DeliveryRow(string Id, string Subscription_Id, string Event_Id, string Event_Type, string Status, long Attempts, long Created_At,
        long? Next_Attempt_At, long? Last_Attempt_At, long? Last_Status_Code, string? Last_Error, long? Delivered_At)
    {
        public WebhookDelivery ToDelivery() => new(Id, Subscription_Id, Event_Id, Event_Type, ParseStatus(Status), (int)Attempts, Micros.To(Created_At),
            Next_Attempt_At is { } n ? Micros.To(n) : null, Last_Attempt_At is { } l ? Micros.To(l) : null, (int?)Last_Status_Code, Last_Error,
            Delivered_At is { } d ? Micros.To(d) : null);
    }

    private sealed record ClaimedEventRow(long Seq, string Event_Id, string Type, string Tenant_Id, string Subject_Id, string Actor, long At, string Data, string? Prev_Hash, string Hash)
    {
        public EventRecord ToRecord() => new(Event_Id, Seq, Type, Tenant_Id, Subject_Id, Actor, Micros.To(At), Data, Prev_Hash, Hash);
    }
}
