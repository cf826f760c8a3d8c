using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Storage;
using Dapper;

namespace Approvals.Storage.Sqlite;

/// <summary>The approval list and the status counts the state store keeps.</summary>
public sealed class SqliteApprovalQueries(SqliteStoreDatabase database) : IApprovalQueries
{
    public async Task<Page<ApprovalState>> ListAsync(ApprovalQuery query, CancellationToken cancellationToken)
    {
        var sql = new System.Text.StringBuilder("SELECT state FROM approvals WHERE tenant_id = @TenantId");
        var args = new DynamicParameters(new { query.TenantId, limit = query.Limit + 1 });
        void Filter(string column, object? value)
        {
            if (value is not null)
            {
                sql.Append($" AND {column} = @{column}");
                args.Add(column, value);
            }
        }
        Filter("status", query.Status is { } status ? WireNames.Of(status) : null);
        Filter("risk_level", query.RiskLevel is { } risk ? WireNames.Of(risk) : null);
        Filter("agent_id", query.AgentId);
        Filter("requested_by", query.RequestedBy);
        Filter("workflow_id", query.WorkflowId);
        if (query.CreatedAfter is { } after)
        {
            sql.Append(" AND created_at > @createdAfter");
            args.Add("createdAfter", Micros.From(after));
        }
        if (query.CreatedBefore is { } before)
        {
            sql.Append(" AND created_at < @createdBefore");
            args.Add("createdBefore", Micros.From(before));
        }
        // Newest first, or soonest deadline first; the cursor is the last row's position in that order.
        var (column, comparison, direction) = query.Order == ApprovalOrder.Deadline ? ("expires_at", ">", "ASC") : ("created_at", "<", "DESC");
        if (query.After is { } cursor)
        {
            sql.Append($" AND ({column}, id) {comparison} (@cursorAt, @cursorId)");
            args.Add("cursorAt", Micros.From(cursor.At));
            args.Add("cursorId", cursor.Id);
        }
        sql.Append($" ORDER BY {column} {direction}, id {direction} LIMIT @limit;");

        await using var connection = await database.OpenAsync(cancellationToken);
        var states = (await connection.QueryAsync<string>(new CommandDefinition(sql.ToString(), args, cancellationToken: cancellationToken)))
            .Select(ApprovalStateJson.Deserialize)
            .ToList();
        return Paging.ToPage(states, query.Limit, query.Order);
    }

    public async Task<long> CountAsync(string tenantId, ApprovalStatus status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT coalesce(max(n), 0) FROM approval_counts WHERE tenant_id = @tenantId AND status = @status;",
            new { tenantId, status = WireNames.Of(status) }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyDictionary<ApprovalStatus, long>> CountByStatusAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(
            "SELECT status, n FROM approval_counts WHERE tenant_id = @tenantId;",
            new { tenantId }, cancellationToken: cancellationToken));
        return Paging.CountsByStatus(rows);
    }

    public async Task<IReadOnlyDictionary<ApprovalStatus, long>> CountAllByStatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(
            "SELECT status, sum(n) FROM approval_counts GROUP BY status;", cancellationToken: cancellationToken));
        return Paging.CountsByStatus(rows);
    }
}
