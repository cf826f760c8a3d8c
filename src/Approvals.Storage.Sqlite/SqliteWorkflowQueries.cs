using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Dapper;

namespace Approvals.Storage.Sqlite;

/// <summary>The workflow list.</summary>
public sealed class SqliteWorkflowQueries(SqliteStoreDatabase database) : IWorkflowQueries
{
    public async Task<Page<WorkflowState>> ListWorkflowsAsync(WorkflowQuery query, CancellationToken cancellationToken)
    {
        var sql = new System.Text.StringBuilder("SELECT state FROM workflows WHERE tenant_id = @TenantId");
        var args = new DynamicParameters(new { query.TenantId, limit = query.Limit + 1 });
        if (query.Status is { } status)
        {
            sql.Append(" AND status = @status");
            args.Add("status", WorkflowStateMachine.Wire(status));
        }
        if (query.After is { } cursor)
        {
            sql.Append(" AND (created_at, id) < (@cursorAt, @cursorId)");
            args.Add("cursorAt", Micros.From(cursor.At));
            args.Add("cursorId", cursor.Id);
        }
        sql.Append(" ORDER BY created_at DESC, id DESC LIMIT @limit;");

        await using var connection = await database.OpenAsync(cancellationToken);
        var states = (await connection.QueryAsync<string>(new CommandDefinition(sql.ToString(), args, cancellationToken: cancellationToken)))
            .Select(WorkflowStateJson.Deserialize)
            .ToList();
        return Paging.ToPage(states, query.Limit);
    }
}
