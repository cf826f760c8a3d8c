using System.Text;
using Approvals.Core.Storage;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Storage.PostgreSql.PostgresParameters;

namespace Approvals.Storage.PostgreSql;

/// <summary>One tenant's events, filtered, in log order.</summary>
public sealed class PostgresAuditLog(PostgresStoreDatabase database) : IAuditLog
{
    public async Task<AuditPage> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        // PostgresStateStore.EventOrderLockSql makes seq order commit order, so a page read in seq order never
        // passes over an event that commits later with a lower seq (see PostgresEventLog.ReadAfterAsync).
        var sql = new StringBuilder(PostgresEventRows.Select).Append(" WHERE tenant_id = @tenant AND seq > @after");
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand { Connection = connection };
        command.Parameters.Add(Text("tenant", query.TenantId));
        command.Parameters.Add(new NpgsqlParameter<long>("after", query.AfterSeq));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", query.Limit + 1));
        if (query.SubjectId is { } subject)
        {
            sql.Append(" AND subject_id = @subject");
            command.Parameters.Add(Text("subject", subject));
        }
        if (query.Actor is { } actor)
        {
            sql.Append(" AND actor = @actor");
            command.Parameters.Add(Text("actor", actor));
        }
        if (query.Type is { } type)
        {
            sql.Append(" AND type = @type");
            command.Parameters.Add(Text("type", type));
        }
        if (query.From is { } from)
        {
            sql.Append(" AND at >= @from");
            command.Parameters.Add(Time("from", from));
        }
        if (query.To is { } to)
        {
            sql.Append(" AND at < @to");
            command.Parameters.Add(Time("to", to));
        }
        sql.Append(" ORDER BY seq LIMIT @limit;");
        command.CommandText = sql.ToString();
        var rows = await PostgresEventRows.ReadAsync(command, cancellationToken);
        // The extra row only tells that another page exists.
        var items = rows.Take(query.Limit).ToList();
        return new AuditPage(items, rows.Count > query.Limit ? items[^1].Seq : null);
    }

    public async Task<long?> FindEventSeqAsync(string tenantId, string eventId, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT seq FROM events WHERE id = @id AND tenant_id = @tenant;", connection);
        command.Parameters.Add(Text("id", eventId));
        command.Parameters.Add(Text("tenant", tenantId));
        var seq = await command.ExecuteScalarAsync(cancellationToken);
        return seq is long value ? value : null;
    }

    public async Task<long> LatestSeqAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT coalesce(max(seq), 0) FROM events;", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
