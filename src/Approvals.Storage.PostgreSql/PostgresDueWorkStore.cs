using Approvals.Core.Storage;
using Npgsql;
using static Approvals.Storage.PostgreSql.PostgresParameters;

namespace Approvals.Storage.PostgreSql;

/// <summary>What has fallen due, for the start-up catch-up.</summary>
public sealed class PostgresDueWorkStore(PostgresStoreDatabase database) : IDueWorkStore
{
    // Each walks its partial index (migration 0009) from the start, or from the position it resumes after, and
    // stops at now or at the limit: the cost follows what is overdue, not what is pending. The status is a
    // literal, not a parameter, so the planner matches the partial index's predicate in every plan.
    internal const string OverdueApprovalsSql =
        "SELECT tenant_id, id, expires_at FROM approvals WHERE status = 'pending' AND expires_at <= @now";

    internal const string DueWorkflowsSql =
        "SELECT tenant_id, id, due_at FROM workflows WHERE due_at <= @now";

    public Task<IReadOnlyList<DueItem>> ReadOverdueApprovalsAsync(DateTimeOffset now, int limit, DuePosition? after, CancellationToken cancellationToken) =>
        ReadDueAsync(OverdueApprovalsSql, "expires_at", now, limit, after, cancellationToken);

    public Task<IReadOnlyList<DueItem>> ReadDueWorkflowsAsync(DateTimeOffset now, int limit, DuePosition? after, CancellationToken cancellationToken) =>
        ReadDueAsync(DueWorkflowsSql, "due_at", now, limit, after, cancellationToken);

    public async Task EffectDoneAsync(string workflowId, long version, DateTimeOffset? wakeAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        // The version check leaves a run that has moved on alone: its own write set its due time.
        await using var command = new NpgsqlCommand("UPDATE workflows SET due_at = @due_at WHERE id = @id AND version = @version;", connection);
        command.Parameters.Add(Text("id", workflowId));
        command.Parameters.Add(new NpgsqlParameter<long>("version", version));
        command.Parameters.Add(NullableTime("due_at", wakeAt));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<DueItem>> ReadDueAsync(string select, string dueColumn, DateTimeOffset now, int limit, DuePosition? after,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand { Connection = connection };
        command.Parameters.Add(Time("now", now));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        var sql = select;
        if (after is not null)
        {
            // A row comparison, which PostgreSQL matches against the (due time, id) index.
            sql += $" AND ({dueColumn}, id) > (@after_at, @after_id)";
            command.Parameters.Add(Time("after_at", after.DueAt));
            command.Parameters.Add(Text("after_id", after.Id));
        }
        command.CommandText = $"{sql} ORDER BY {dueColumn}, id LIMIT @limit;";
        var items = new List<DueItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new DueItem(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return items;
    }
}
