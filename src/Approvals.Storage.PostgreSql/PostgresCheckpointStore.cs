using Approvals.Core.Storage;
using Npgsql;
using static Approvals.Storage.PostgreSql.PostgresParameters;

namespace Approvals.Storage.PostgreSql;

/// <summary>Where each event-log consumer has got to.</summary>
public sealed class PostgresCheckpointStore(PostgresStoreDatabase database) : ICheckpointStore
{
    public async Task<long> ReadCheckpointAsync(string consumer, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT seq FROM consumer_checkpoints WHERE consumer = @consumer;", connection);
        command.Parameters.Add(Text("consumer", consumer));
        return await command.ExecuteScalarAsync(cancellationToken) is long seq ? seq : 0;
    }

    public async Task SaveCheckpointAsync(string consumer, long seq, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        // The WHERE keeps the stored seq when it is already ahead: a slow or restarted consumer (or a
        // second node running the same consumer) never moves it back. updated_at is for operators only.
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO consumer_checkpoints (consumer, seq, updated_at) VALUES (@consumer, @seq, now())
            ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
                WHERE consumer_checkpoints.seq < excluded.seq;
            """, connection);
        command.Parameters.Add(Text("consumer", consumer));
        command.Parameters.Add(new NpgsqlParameter<long>("seq", seq));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
