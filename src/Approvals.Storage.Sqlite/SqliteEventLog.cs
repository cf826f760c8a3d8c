using Approvals.Core.Events;
using Approvals.Core.Storage;
using Dapper;

namespace Approvals.Storage.Sqlite;

/// <summary>The event log, read in sequence order (appends commit with their state through <see cref="SqliteStateStore"/>).</summary>
public sealed class SqliteEventLog(SqliteStoreDatabase database) : IEventLog
{
    public async Task<IReadOnlyList<EventRecord>> ReadAfterAsync(long afterSeq, int limit, CancellationToken cancellationToken)
    {
        // One writer commits at a time and assigns sequence numbers inside its transaction, so commit
        // order is sequence order and everything below the highest visible seq is already visible.
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<SqliteEventRow>(new CommandDefinition(
            $"{SqliteEventRow.Select} WHERE seq > @afterSeq ORDER BY seq LIMIT @limit;", new { afterSeq, limit }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<IReadOnlyList<EventRecord>> ReadSubjectAsync(string subjectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<SqliteEventRow>(new CommandDefinition(
            $"{SqliteEventRow.Select} WHERE subject_id = @subjectId ORDER BY seq;", new { subjectId }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }
}
