using Approvals.Core.Storage;
using Dapper;

namespace Approvals.Storage.Sqlite;

/// <summary>Idempotency keys: reservations, their completion outside a state write, and their expiry.</summary>
public sealed class SqliteIdempotencyStore(SqliteStoreDatabase database) : IIdempotencyStore
{
    public Task<IdempotencyClaim> TryBeginAsync(string scope, string key, string requestHash, DateTimeOffset now, TimeSpan retention,
        TimeSpan takeOverAfter, CancellationToken cancellationToken)
    {
        // Zero would let each of several callers take over the reservation the previous one just made.
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(takeOverAfter, TimeSpan.Zero);
        var takeOverBefore = takeOverAfter < now - DateTimeOffset.MinValue ? now - takeOverAfter : DateTimeOffset.MinValue;
        return database.WriteAsync(async (connection, transaction) =>
        {
            // A reservation still open takeOverAfter after it was made is taken over: its owner died
            // before its write (and so its completion) committed.
            var started = await connection.QueryAsync<string>(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash, completed, status_code, response_body, created_at, expires_at)
                VALUES (@scope, @key, @requestHash, 0, 0, NULL, @now, @expires)
                ON CONFLICT (scope, key) DO UPDATE
                    SET request_hash = excluded.request_hash, completed = 0, status_code = 0, response_body = NULL,
                        created_at = excluded.created_at, expires_at = excluded.expires_at
                    WHERE idempotency_keys.expires_at <= @now
                       OR (idempotency_keys.completed = 0 AND idempotency_keys.created_at <= @takeOverBefore)
                RETURNING key;
                """,
                new { scope, key, requestHash, now = Micros.From(now), expires = Micros.From(now + retention), takeOverBefore = Micros.From(takeOverBefore) },
                transaction);
            if (started.Any())
            {
                return new IdempotencyClaim(true, null);
            }
            var existing = await connection.QuerySingleAsync<IdempotencyRow>(
                $"{IdempotencyRow.Select} WHERE scope = @scope AND key = @key;", new { scope, key }, transaction);
            return new IdempotencyClaim(false, existing.ToRecord());
        }, cancellationToken);
    }

    public Task CompleteAsync(string scope, string key, int statusCode, string? responseBody, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "UPDATE idempotency_keys SET completed = 1, status_code = @statusCode, response_body = @responseBody WHERE scope = @scope AND key = @key;",
            new { scope, key, statusCode, responseBody }, transaction), cancellationToken);

    public Task AbandonAsync(string scope, string key, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "DELETE FROM idempotency_keys WHERE scope = @scope AND key = @key AND completed = 0;",
            new { scope, key }, transaction), cancellationToken);

    public Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "DELETE FROM idempotency_keys WHERE expires_at <= @now;", new { now = Micros.From(now) }, transaction), cancellationToken);

    private sealed record IdempotencyRow(string Scope, string Key, string Request_Hash, long Completed, long Status_Code, string? Response_Body, long Created_At, long Expires_At)
    {
        public const string Select = "SELECT scope, key, request_hash, completed, status_code, response_body, created_at, expires_at FROM idempotency_keys";

        public IdempotencyRecord ToRecord() =>
            new(Scope, Key, Request_Hash, Completed != 0, (int)Status_Code, Response_Body, Micros.To(Created_At), Micros.To(Expires_At));
    }
}
