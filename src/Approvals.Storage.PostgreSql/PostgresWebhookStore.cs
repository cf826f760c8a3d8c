using Approvals.Core.Events;
using Approvals.Core.Storage;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Storage.PostgreSql.PostgresParameters;

namespace Approvals.Storage.PostgreSql;

/// <summary>Webhook subscriptions and deliveries; any number of nodes claim due deliveries side by side.</summary>
public sealed class PostgresWebhookStore(PostgresStoreDatabase database) : IWebhookStore
{
    private const string SubscriptionColumns = "s.id, s.tenant_id, s.url, s.event_types, s.secret, s.created_at, s.disabled_at, s.failing_since";

    private const string DeliveryColumns =
        "d.id, d.subscription_id, d.event_id, d.event_type, d.status, d.attempts, d.created_at, d.next_attempt_at, d.last_attempt_at, d.last_status_code, d.last_error, d.delivered_at";

    public async Task CreateSubscriptionAsync(WebhookSubscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        await using var command = database.DataSource.CreateCommand(
            """
            INSERT INTO webhook_subscriptions (id, tenant_id, url, event_types, secret, created_at)
            VALUES (@id, @tenant, @url, @types, @secret, @created);
            """);
        command.Parameters.Add(Text("id", subscription.Id));
        command.Parameters.Add(Text("tenant", subscription.TenantId));
        command.Parameters.Add(Text("url", subscription.Url));
        command.Parameters.Add(TextArray("types", subscription.EventTypes));
        command.Parameters.Add(Text("secret", subscription.Secret));
        command.Parameters.Add(Time("created", subscription.CreatedAt));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<WebhookSubscription?> GetSubscriptionAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            $"SELECT {SubscriptionColumns} FROM webhook_subscriptions s WHERE s.tenant_id = @tenant AND s.id = @id AND s.deleted_at IS NULL;");
        command.Parameters.Add(Text("tenant", tenantId));
        command.Parameters.Add(Text("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadSubscription(reader, 0) : null;
    }

    public async Task<IReadOnlyList<WebhookSubscription>> ListSubscriptionsAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            $"SELECT {SubscriptionColumns} FROM webhook_subscriptions s WHERE s.tenant_id = @tenant AND s.deleted_at IS NULL ORDER BY s.created_at, s.id;");
        command.Parameters.Add(Text("tenant", tenantId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var subscriptions = new List<WebhookSubscription>();
        while (await reader.ReadAsync(cancellationToken))
        {
            subscriptions.Add(ReadSubscription(reader, 0));
        }
        return subscriptions;
    }

    public async Task<bool> DeleteSubscriptionAsync(string tenantId, string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "UPDATE webhook_subscriptions SET deleted_at = @now WHERE tenant_id = @tenant AND id = @id AND deleted_at IS NULL;");
        command.Parameters.Add(Text("tenant", tenantId));
        command.Parameters.Add(Text("id", id));
        command.Parameters.Add(Time("now", now));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task DisableSubscriptionAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("UPDATE webhook_subscriptions SET disabled_at = @now WHERE id = @id AND disabled_at IS NULL;");
        command.Parameters.Add(Text("id", id));
        command.Parameters.Add(Time("now", now));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task EnqueueAsync(IReadOnlyList<NewWebhookDelivery> deliveries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        if (deliveries.Count == 0)
        {
            return;
        }
        // One statement for the whole batch, from parallel arrays.
        await using var command = database.DataSource.CreateCommand(
            """
            INSERT INTO webhook_deliveries (id, subscription_id, tenant_id, event_id, event_seq, event_type, status, attempts, created_at, next_attempt_at)
            SELECT id, subscription_id, tenant_id, event_id, event_seq, event_type, 'pending', 0, due, due
            FROM unnest(@ids, @subscriptions, @tenants, @events, @seqs, @types, @dues)
                AS n(id, subscription_id, tenant_id, event_id, event_seq, event_type, due)
            ON CONFLICT (subscription_id, event_id) DO NOTHING;
            """);
        command.Parameters.Add(TextArray("ids", deliveries.Select(d => d.Id)));
        command.Parameters.Add(TextArray("subscriptions", deliveries.Select(d => d.SubscriptionId)));
        command.Parameters.Add(TextArray("tenants", deliveries.Select(d => d.TenantId)));
        command.Parameters.Add(TextArray("events", deliveries.Select(d => d.Event.Id)));
        command.Parameters.Add(new NpgsqlParameter<long[]>("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = deliveries.Select(d => d.Event.Seq).ToArray() });
        command.Parameters.Add(TextArray("types", deliveries.Select(d => d.Event.Type)));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("dues", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
        {
            TypedValue = deliveries.Select(d => d.DueAt.ToUniversalTime()).ToArray(),
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ClaimedWebhookDelivery>> ClaimDueDeliveriesAsync(DateTimeOffset now, int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid().ToString("N");
        // SKIP LOCKED: concurrent claimers take disjoint rows instead of queueing; a row another claimer
        // committed meanwhile is re-checked against the WHERE (its new claimed_until) and dropped.
        await using var command = database.DataSource.CreateCommand(
            $"""
            WITH due AS (
                SELECT d.id FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
                WHERE d.status = 'pending' AND d.next_attempt_at <= @now AND (d.claimed_until IS NULL OR d.claimed_until <= @now)
                  AND s.disabled_at IS NULL AND s.deleted_at IS NULL
                ORDER BY d.next_attempt_at
                LIMIT @limit
                FOR UPDATE OF d SKIP LOCKED),
            claimed AS (
                UPDATE webhook_deliveries d SET claimed_until = @until, claim_token = @token
                FROM due WHERE d.id = due.id
                RETURNING d.*)
            SELECT {DeliveryColumns}, {SubscriptionColumns}, e.seq, e.id, e.type, e.tenant_id, e.subject_id, e.actor, e.at, e.data, e.prev_hash, e.hash
            FROM claimed d
            JOIN webhook_subscriptions s ON s.id = d.subscription_id
            JOIN events e ON e.seq = d.event_seq
            ORDER BY d.next_attempt_at, d.id;
            """);
        command.Parameters.Add(Time("now", now));
        command.Parameters.Add(Time("until", now + lease));
        command.Parameters.Add(Text("token", token));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var claimed = new List<ClaimedWebhookDelivery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var delivery = ReadDelivery(reader, 0);
            var subscription = ReadSubscription(reader, 12);
            const int e = 20;
            var record = new EventRecord(reader.GetString(e + 1), reader.GetInt64(e), reader.GetString(e + 2), reader.GetString(e + 3), reader.GetString(e + 4),
                reader.GetString(e + 5), reader.GetFieldValue<DateTimeOffset>(e + 6), reader.GetString(e + 7),
                reader.IsDBNull(e + 8) ? null : reader.GetString(e + 8), reader.GetString(e + 9));
            claimed.Add(new ClaimedWebhookDelivery(delivery, subscription, record, token));
        }
        return claimed;
    }

    public async Task<bool> RecordAttemptAsync(ClaimedWebhookDelivery claimed, WebhookAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        ArgumentNullException.ThrowIfNull(attempt);
        // Both statements in one round trip and one transaction; the subscription changes only when the
        // claim still held (the CTE's row count).
        await using var command = database.DataSource.CreateCommand(
            $"""
            WITH recorded AS (
                UPDATE webhook_deliveries
                SET status = @status, attempts = attempts + 1, next_attempt_at = @next, claimed_until = NULL, claim_token = NULL,
                    last_attempt_at = @at, last_status_code = @code, last_error = @error,
                    delivered_at = CASE WHEN @delivered THEN @at ELSE delivered_at END
                WHERE id = @id AND claim_token = @token
                RETURNING subscription_id),
            streak AS (
                UPDATE webhook_subscriptions s
                SET failing_since = CASE WHEN @delivered THEN NULL ELSE coalesce(s.failing_since, @at) END
                FROM recorded WHERE s.id = recorded.subscription_id)
            SELECT count(*) FROM recorded;
            """);
        command.Parameters.Add(Text("status", attempt.Delivered ? "delivered" : attempt.RetryAt is null ? "dead" : "pending"));
        command.Parameters.Add(attempt.RetryAt is { } retry ? Time("next", retry) : new NpgsqlParameter("next", NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
        command.Parameters.Add(Time("at", attempt.At));
        command.Parameters.Add(new NpgsqlParameter("code", NpgsqlDbType.Integer) { Value = (object?)attempt.StatusCode ?? DBNull.Value });
        command.Parameters.Add(Text("error", attempt.Error));
        command.Parameters.Add(new NpgsqlParameter<bool>("delivered", attempt.Delivered));
        command.Parameters.Add(Text("id", claimed.Delivery.Id));
        command.Parameters.Add(Text("token", claimed.ClaimToken));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    public async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string tenantId, string subscriptionId, int limit, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            $"""
            SELECT {DeliveryColumns} FROM webhook_deliveries d
            WHERE d.tenant_id = @tenant AND d.subscription_id = @subscription
            ORDER BY d.created_at DESC, d.id DESC LIMIT @limit;
            """);
        command.Parameters.Add(Text("tenant", tenantId));
        command.Parameters.Add(Text("subscription", subscriptionId));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var deliveries = new List<WebhookDelivery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            deliveries.Add(ReadDelivery(reader, 0));
        }
        return deliveries;
    }

    public async Task<bool> RedeliverAsync(string tenantId, string subscriptionId, string deliveryId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            """
            UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = @now, claimed_until = NULL, claim_token = NULL
            WHERE id = @delivery AND subscription_id = @subscription AND tenant_id = @tenant
              AND EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.id = @subscription AND s.deleted_at IS NULL);
            """);
        command.Parameters.Add(Text("tenant", tenantId));
        command.Parameters.Add(Text("subscription", subscriptionId));
        command.Parameters.Add(Text("delivery", deliveryId));
        command.Parameters.Add(Time("now", now));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Reads the 8 columns of <see cref="SubscriptionColumns"/> from <paramref name="at"/>.</summary>
    private static WebhookSubscription ReadSubscription(NpgsqlDataReader reader, int at) => new(
        reader.GetString(at), reader.GetString(at + 1), reader.GetString(at + 2), reader.GetFieldValue<string[]>(at + 3), reader.GetString(at + 4),
        reader.GetFieldValue<DateTimeOffset>(at + 5), NullableTime(reader, at + 6), NullableTime(reader, at + 7));

    /// <summary>Reads the 12 columns of <see cref="DeliveryColumns"/> from <paramref name="at"/>.</summary>
    private static WebhookDelivery ReadDelivery(NpgsqlDataReader reader, int at) => new(
        reader.GetString(at), reader.GetString(at + 1), reader.GetString(at + 2), reader.GetString(at + 3),
        reader.GetString(at + 4) switch
        {
            "pending" => WebhookDeliveryStatus.Pending,
            "delivered" => WebhookDeliveryStatus.Delivered,
            "dead" => WebhookDeliveryStatus.Dead,
            var other => throw new InvalidDataException($"Unknown webhook delivery status '{other}'."),
        },
        reader.GetInt32(at + 5), reader.GetFieldValue<DateTimeOffset>(at + 6), NullableTime(reader, at + 7), NullableTime(reader, at + 8),
        reader.IsDBNull(at + 9) ? null : reader.GetInt32(at + 9), reader.IsDBNull(at + 10) ? null : reader.GetString(at + 10), NullableTime(reader, at + 11));

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
