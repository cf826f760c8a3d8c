using Approvals.Core.Events;
using Approvals.Core.Storage;
using Npgsql;
using static Approvals.Storage.PostgreSql.PostgresParameters;

namespace Approvals.Storage.PostgreSql;

/// <summary>The event log, read in sequence order (appends commit with their state through <see cref="PostgresStateStore"/>).</summary>
public sealed class PostgresEventLog(PostgresStoreDatabase database) : IEventLog
{
    public async Task<IReadOnlyList<EventRecord>> ReadAfterAsync(long afterSeq, int limit, CancellationToken cancellationToken)
    {
        // No high-water-mark check is needed here: PostgresStateStore.EventOrderLockSql makes seq order commit order.
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"{PostgresEventRows.Select} WHERE seq > @after ORDER BY seq LIMIT @limit;", connection);
        command.Parameters.Add(new NpgsqlParameter<long>("after", afterSeq));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        return await PostgresEventRows.ReadAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<EventRecord>> ReadSubjectAsync(string subjectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"{PostgresEventRows.Select} WHERE subject_id = @subject ORDER BY seq;", connection);
        command.Parameters.Add(Text("subject", subjectId));
        return await PostgresEventRows.ReadAsync(command, cancellationToken);
    }
}
