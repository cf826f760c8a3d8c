using Approvals.Core.Storage;
using Dapper;

namespace Approvals.Storage.Sqlite;

/// <summary>What has fallen due, for the start-up catch-up.</summary>
public sealed class SqliteDueWorkStore(SqliteStoreDatabase database) : IDueWorkStore
{
    // Each walks its partial index (migration 0007) from the start, or from the position it resumes after, and
    // stops at now or at the limit: the cost follows what is overdue, not what is pending. The status is a
    // literal, not a parameter, so SQLite can prove the partial index's WHERE and use it.
    internal const string OverdueApprovalsSql = """
        SELECT tenant_id, id, expires_at AS due_at FROM approvals
        WHERE status = 'pending' AND expires_at <= @now AND (expires_at, id) > (@afterAt, @afterId)
        ORDER BY expires_at, id LIMIT @limit;
        """;

    internal const string DueWorkflowsSql = """
        SELECT tenant_id, id, due_at FROM workflows
        WHERE due_at <= @now AND (due_at, id) > (@afterAt, @afterId)
        ORDER BY due_at, id LIMIT @limit;
        """;

    public Task<IReadOnlyList<DueItem>> ReadOverdueApprovalsAsync(DateTimeOffset now, int limit, DuePosition? after, CancellationToken cancellationToken) =>
        ReadDueAsync(OverdueApprovalsSql, now, limit, after, cancellationToken);

    public Task<IReadOnlyList<DueItem>> ReadDueWorkflowsAsync(DateTimeOffset now, int limit, DuePosition? after, CancellationToken cancellationToken) =>
        ReadDueAsync(DueWorkflowsSql, now, limit, after, cancellationToken);

    public Task EffectDoneAsync(string workflowId, long version, DateTimeOffset? wakeAt, CancellationToken cancellationToken) =>
        database.InWriteTurnAsync(async () =>
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            // synchronous=NORMAL, as the reminder table writes: this is a hint, not state. Lost to a power cut,
            // it costs the run one more visit by the next catch-up; it is not worth an fsync per effect.
            await connection.ExecuteAsync("PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL;");
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE workflows SET due_at = @dueAt WHERE id = @workflowId AND version = @version;",
                new { workflowId, version, dueAt = wakeAt is { } at ? Micros.From(at) : (long?)null }, cancellationToken: cancellationToken));
        }, cancellationToken);

    private async Task<IReadOnlyList<DueItem>> ReadDueAsync(string sql, DateTimeOffset now, int limit, DuePosition? after, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await database.OpenAsync(cancellationToken);
        // From the start: before every row (long.MinValue is below any stored time, and '' below any id).
        var rows = await connection.QueryAsync<(string TenantId, string Id, long DueAt)>(new CommandDefinition(sql, new
        {
            now = Micros.From(now),
            afterAt = after is null ? long.MinValue : Micros.From(after.DueAt),
            afterId = after?.Id ?? "",
            limit,
        }, cancellationToken: cancellationToken));
        return rows.Select(r => new DueItem(r.TenantId, r.Id, Micros.To(r.DueAt))).ToList();
    }
}
