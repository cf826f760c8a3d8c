using System.Text;
using Approvals.Core.Storage;
using Dapper;

namespace Approvals.Storage.Sqlite;

/// <summary>One tenant's events, filtered, in log order.</summary>
public sealed class SqliteAuditLog(SqliteStoreDatabase database) : IAuditLog
{
    public async Task<AuditPage> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        // One writer assigns sequence numbers inside its transaction, so a page read in seq order never
        // passes over an event that commits later with a lower seq (see SqliteEventLog.ReadAfterAsync).
        var sql = new StringBuilder(SqliteEventRow.Select).Append(" WHERE tenant_id = @tenant AND seq > @after");
        var parameters = new DynamicParameters();
        parameters.Add("tenant", query.TenantId);
        parameters.Add("after", query.AfterSeq);
        parameters.Add("limit", query.Limit + 1);
        if (query.SubjectId is { } subject)
        {
            sql.Append(" AND subject_id = @subject");
            parameters.Add("subject", subject);
        }
        if (query.Actor is { } actor)
        {
            sql.Append(" AND actor = @actor");
            parameters.Add("actor", actor);
        }
        if (query.Type is { } type)
        {
            sql.Append(" AND type = @type");
            parameters.Add("type", type);
        }
        if (query.From is { } from)
        {
            sql.Append(" AND at >= @from");
            parameters.Add("from", Micros.From(from));
        }
        if (query.To is { } to)
        {
            sql.Append(" AND at < @to");
            parameters.Add("to", Micros.From(to));
        }
        sql.Append(" ORDER BY seq LIMIT @limit;");
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<SqliteEventRow>(new CommandDefinition(sql.ToString(), parameters, cancellationToken: cancellationToken))).ToList();
        // The extra row only tells that another page exists.
        var items = rows.Take(query.Limit).Select(r => r.ToRecord()).ToList();
        return new AuditPage(items, rows.Count > query.Limit ? items[^1].Seq : null);
    }

    public async Task<long?> FindEventSeqAsync(string tenantId, string eventId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT seq FROM events WHERE id = @eventId AND tenant_id = @tenantId;", new { tenantId, eventId }, cancellationToken: cancellationToken));
    }

    public async Task<long> LatestSeqAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT coalesce(max(seq), 0) FROM events;", cancellationToken: cancellationToken));
    }
}
