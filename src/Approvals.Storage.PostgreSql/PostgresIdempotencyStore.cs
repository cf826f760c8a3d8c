using Approvals.Core.Storage;
using Dapper;
using Npgsql;
using static Approvals.Storage.PostgreSql.PostgresParameters;

namespace Approvals.Storage.PostgreSql;

/// <summary>Idempotency keys: reservations, their completion outside a state write, and their expiry.</summary>
public sealed class PostgresIdempotencyStore(PostgresStoreDatabase database) : IIdempotencyStore
{
    public async Task<IdempotencyClaim> TryBeginAsync(string scope, string key, string requestHash, DateTimeOffset now, TimeSpan retention,
        TimeSpan takeOverAfter, CancellationToken cancellationToken)
    {
        // Zero would let every one of several concurrent callers take over the reservation the previous one just made.
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(takeOverAfter, TimeSpan.Zero);
        var takeOverBefore = takeOverAfter < now - DateTimeOffset.MinValue ? now - takeOverAfter : DateTimeOffset.MinValue;
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        // The existing record is read by a second statement: one statement's snapshot may predate the
        // row that made the insert conflict. If that row is gone by then (abandoned or purged), try again.
        while (true)
        {
            // The takeover is decided in the upsert's WHERE, which concurrent callers evaluate one at a
            // time against the row's latest version (the row lock queues them): once one has taken the
            // row over, its created_at is fresh and the others find a live reservation.
            await using (var begin = new NpgsqlCommand(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash, completed, status_code, response_body, created_at, expires_at)
                VALUES (@scope, @key, @hash, false, 0, NULL, @now, @expires)
                ON CONFLICT (scope, key) DO UPDATE
                    SET request_hash = excluded.request_hash, completed = false, status_code = 0, response_body = NULL,
                        created_at = excluded.created_at, expires_at = excluded.expires_at
                    WHERE idempotency_keys.expires_at <= @now
                       OR (NOT idempotency_keys.completed AND idempotency_keys.created_at <= @take_over_before)
                RETURNING 1;
                """, connection))
            {
                begin.Parameters.Add(Text("scope", scope));
                begin.Parameters.Add(Text("key", key));
                begin.Parameters.Add(Text("hash", requestHash));
                begin.Parameters.Add(Time("now", now));
                begin.Parameters.Add(Time("expires", now + retention));
                begin.Parameters.Add(Time("take_over_before", takeOverBefore));
                if (await begin.ExecuteScalarAsync(cancellationToken) is not null)
                {
                    return new IdempotencyClaim(true, null);
                }
            }

            await using var select = new NpgsqlCommand(
                """
                SELECT scope, key, request_hash, completed, status_code, response_body, created_at, expires_at
                FROM idempotency_keys WHERE scope = @scope AND key = @key;
                """, connection);
            select.Parameters.Add(Text("scope", scope));
            select.Parameters.Add(Text("key", key));
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                return new IdempotencyClaim(false, new IdempotencyRecord(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetBoolean(3),
                    reader.GetInt32(4),
                    await reader.IsDBNullAsync(5, cancellationToken) ? null : reader.GetString(5),
                    reader.GetFieldValue<DateTimeOffset>(6),
                    reader.GetFieldValue<DateTimeOffset>(7)));
            }
        }
    }

    public async Task CompleteAsync(string scope, string key, int statusCode, string? responseBody, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE idempotency_keys SET completed = true, status_code = @statusCode, response_body = @responseBody WHERE scope = @scope AND key = @key;",
            new { scope, key, statusCode, responseBody }, cancellationToken: cancellationToken));
    }

    public async Task AbandonAsync(string scope, string key, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM idempotency_keys WHERE scope = @scope AND key = @key AND NOT completed;",
            new { scope, key }, cancellationToken: cancellationToken));
    }

    public async Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM idempotency_keys WHERE expires_at <= @now;", connection);
        command.Parameters.Add(Time("now", now));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
