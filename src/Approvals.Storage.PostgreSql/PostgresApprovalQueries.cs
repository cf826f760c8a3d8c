using System.Text;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Storage;
using Dapper;
using Npgsql;
using static Approvals.Storage.PostgreSql.PostgresParameters;

namespace Approvals.Storage.PostgreSql;

/// <summary>The approval list and the status counts the state store keeps.</summary>
public sealed class PostgresApprovalQueries(PostgresStoreDatabase database) : IApprovalQueries
{
    public async Task<Page<ApprovalState>> ListAsync(ApprovalQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand { Connection = connection };
        var sql = new StringBuilder("SELECT state FROM approvals WHERE tenant_id = @tenant_id");
        command.Parameters.Add(Text("tenant_id", query.TenantId));
        void Filter(string column, string? value)
        {
            if (value is not null)
            {
                sql.Append($" AND {column} = @{column}");
                command.Parameters.Add(Text(column, value));
            }
        }
        Filter("status", query.Status is { } status ? WireNames.Of(status) : null);
        Filter("risk_level", query.RiskLevel is { } risk ? WireNames.Of(risk) : null);
        Filter("agent_id", query.AgentId);
        Filter("requested_by", query.RequestedBy);
        Filter("workflow_id", query.WorkflowId);
        if (query.CreatedAfter is { } after)
        {
            sql.Append(" AND created_at > @created_after");
            command.Parameters.Add(Time("created_after", after));
        }
        if (query.CreatedBefore is { } before)
        {
            sql.Append(" AND created_at < @created_before");
            command.Parameters.Add(Time("created_before", before));
        }
        var rows = await PostgresPaging.ReadPageAsync(command, sql, query.After, query.Limit, query.Order == ApprovalOrder.Deadline,
            ApprovalStateJson.Deserialize, cancellationToken);
        return Paging.ToPage(rows, query.Limit, query.Order);
    }

    // Counts read the counters SaveAsync keeps (O(1)), not a scan of the tenant's rows.
    public async Task<long> CountAsync(string tenantId, ApprovalStatus status, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT coalesce(sum(n), 0)::bigint FROM approval_counts WHERE tenant_id = @tenantId AND status = @status;",
            new { tenantId, status = WireNames.Of(status) }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyDictionary<ApprovalStatus, long>> CountByStatusAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(
            "SELECT status, n FROM approval_counts WHERE tenant_id = @tenantId;",
            new { tenantId }, cancellationToken: cancellationToken));
        return Paging.CountsByStatus(rows);
    }

    public async Task<IReadOnlyDictionary<ApprovalStatus, long>> CountAllByStatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(
            "SELECT status, sum(n)::bigint FROM approval_counts GROUP BY status;", cancellationToken: cancellationToken));
        return Paging.CountsByStatus(rows);
    }
}
