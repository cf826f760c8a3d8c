using System.Collections.Concurrent;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Approvals.Testing.PostgreSql;

namespace Approvals.Storage.PostgreSql.Tests;

/// <summary>What only several nodes can break about webhook deliveries.</summary>
[RequiresPostgres]
public sealed class WebhookClaimTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    private PostgresDatabase? _database;

    public async Task InitializeAsync()
    {
        if (PostgresEnvironment.SkipReason is not null)
        {
            return;
        }
        _database = await PostgresDatabase.CreateAsync();
        await new PostgresStoreDatabase(_database.DataSource).MigrateAsync(None);
    }

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [PostgresFact]
    public async Task ClaimDueDeliveries_TwoConcurrentClaimers_NeverClaimOneDeliveryTwice()
    {
        const int count = 600;
        var store = new PostgresWebhookStore(new PostgresStoreDatabase(_database!.DataSource));
        var subscription = new WebhookSubscription("whk_1", "tenant-a", "https://hooks.example.com/", ["*"], "whsec_AAAA", T0, null, null);
        await store.CreateSubscriptionAsync(subscription, None);
        // A claim joins the log by seq; InsertEventsAsync writes the matching rows.
        var deliveries = Enumerable.Range(1, count)
            .Select(i => new NewWebhookDelivery($"whd_{i:0000}", "whk_1", "tenant-a",
                new EventRecord($"evt_{i:0000}", i, "approval.requested", "tenant-a", "apr_x", "u", T0, "{}", null, "h"), T0.AddTicks(i * 10)))
            .ToList();
        await store.EnqueueAsync(deliveries, None);
        await InsertEventsAsync(count);
        var claimed = new ConcurrentQueue<ClaimedWebhookDelivery>();
        var nodes = new[] { new PostgresWebhookStore(new PostgresStoreDatabase(_database.DataSource)), new PostgresWebhookStore(new PostgresStoreDatabase(_database.DataSource)) };

        await Task.WhenAll(nodes.Select(node => Task.Run(async () =>
        {
            // Bounded: each round claims at least one delivery or ends the loop.
            for (var round = 0; round < count; round++)
            {
                var batch = await node.ClaimDueDeliveriesAsync(T0.AddMinutes(1), 7, TimeSpan.FromMinutes(5), None);
                if (batch.Count == 0)
                {
                    return;
                }
                foreach (var delivery in batch)
                {
                    claimed.Enqueue(delivery);
                }
            }
        })));

        var duplicates = claimed.GroupBy(c => c.Delivery.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"claimed twice: {string.Join(", ", duplicates.Take(10))}");
        Assert.Equal(count, claimed.Count);
        Assert.All(claimed, c => Assert.Equal(c.Delivery.EventId, c.Event.Id));
    }

    private async Task InsertEventsAsync(int count)
    {
        // Raw rows with seq 1..count, as the join of a claim needs them.
        await using var command = _database!.DataSource.CreateCommand(
            """
            INSERT INTO events (seq, id, type, tenant_id, subject_id, actor, at, data, prev_hash, hash)
            OVERRIDING SYSTEM VALUE
            SELECT i, 'evt_' || lpad(i::text, 4, '0'), 'approval.requested', 'tenant-a', 'apr_x', 'u', now(), '{}', NULL, 'h'
            FROM generate_series(1, @count) AS i;
            """);
        command.Parameters.AddWithValue("count", count);
        await command.ExecuteNonQueryAsync();
    }
}
