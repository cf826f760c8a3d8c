using Approvals.Core.Storage;
using Dapper;

namespace Approvals.Storage.Sqlite;

/// <summary>Where each event-log consumer has got to.</summary>
public sealed class SqliteCheckpointStore(SqliteStoreDatabase database) : ICheckpointStore
{
    public async Task<long> ReadCheckpointAsync(string consumer, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT seq FROM consumer_checkpoints WHERE consumer = @consumer;", new { consumer }, cancellationToken: cancellationToken)) ?? 0;
    }

    // The WHERE keeps the stored seq when it is already ahead: a slow or restarted consumer never moves it back.
    // updated_at is the database's clock, for operators only.
    public Task SaveCheckpointAsync(string consumer, long seq, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            """
            INSERT INTO consumer_checkpoints (consumer, seq, updated_at)
            VALUES (@consumer, @seq, CAST(unixepoch('subsec') * 1000000 AS INTEGER))
            ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
                WHERE consumer_checkpoints.seq < excluded.seq;
            """,
            new { consumer, seq }, transaction), cancellationToken);
}
