using Approvals.Core.Storage;
using Dapper;

namespace Approvals.Storage.Sqlite;

/// <summary>
/// Approval and workflow state, loaded by id and saved in version-checked batches with their events and
/// idempotent replies. Both kinds in one class: a group commit's batch mixes them in one transaction.
/// </summary>
public sealed class SqliteStateStore(SqliteStoreDatabase database) : IStateStore
{
    public async Task<StoredApproval?> LoadApprovalAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<StateRow>(new CommandDefinition(
            "SELECT state, chain_head FROM approvals WHERE id = @id;", new { id }, cancellationToken: cancellationToken));
        return row is null ? null : new StoredApproval(ApprovalStateJson.Deserialize(row.State), row.Chain_Head);
    }

    public async Task<StoredWorkflow?> LoadWorkflowAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<StateRow>(new CommandDefinition(
            "SELECT state, chain_head FROM workflows WHERE id = @id;", new { id }, cancellationToken: cancellationToken));
        return row is null ? null : new StoredWorkflow(WorkflowStateJson.Deserialize(row.State), row.Chain_Head);
    }

    private sealed record StateRow(string State, string? Chain_Head);

    public async Task<IReadOnlyList<WriteOutcome>> SaveAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0)
        {
            return [];
        }
        return await database.WriteAsync((connection, transaction) =>
        {
            using var batch = new SqliteBatchWriter(connection, transaction);
            var outcomes = new WriteOutcome[writes.Count];
            for (var i = 0; i < writes.Count; i++)
            {
                outcomes[i] = batch.Apply(writes[i]) ? WriteOutcome.Committed : WriteOutcome.Conflict;
            }
            return Task.FromResult<IReadOnlyList<WriteOutcome>>(outcomes);
        }, cancellationToken);
    }
}
