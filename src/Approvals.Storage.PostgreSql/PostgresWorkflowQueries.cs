using System.Text;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Npgsql;
using static Approvals.Storage.PostgreSql.PostgresParameters;

namespace Approvals.Storage.PostgreSql;

/// <summary>The workflow list.</summary>
public sealed class PostgresWorkflowQueries(PostgresStoreDatabase database) : IWorkflowQueries
{
    public async Task<Page<WorkflowState>> ListWorkflowsAsync(WorkflowQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand { Connection = connection };
        var sql = new StringBuilder("SELECT state FROM workflows WHERE tenant_id = @tenant_id");
        command.Parameters.Add(Text("tenant_id", query.TenantId));
        if (query.Status is { } status)
        {
            sql.Append(" AND status = @status");
            command.Parameters.Add(Text("status", WorkflowStateMachine.Wire(status)));
        }
        var rows = await PostgresPaging.ReadPageAsync(command, sql, query.After, query.Limit, byDeadline: false, WorkflowStateJson.Deserialize, cancellationToken);
        return Paging.ToPage(rows, query.Limit);
    }
}
