using Approvals.Contracts;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Approvals.Testing.Storage;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Approvals.Storage.Sqlite.Tests;

/// <summary>What only SQLite can show of the due-work port: its migration's backfill and the plans of its reads.</summary>
public sealed class SqliteDueWorkTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly string _folder = Directory.CreateTempSubdirectory("approvals-sqlite-").FullName;

    private string ConnectionString => $"Data Source={Path.Combine(_folder, "approvals.db")}";

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Migrate_GivesRunsWrittenBeforeTheDueColumn_TheDueTimeOfTheirStoredState()
    {
        // A database written by the previous version: migrations up to 0006, then rows without due_at.
        await using (var connection = new SqliteConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await SqliteMigrator.ApplyAsync(connection, None, upToVersion: 6);
            foreach (var a in DueWorkBackfill.Approvals)
            {
                await connection.ExecuteAsync(
                    """
                    INSERT INTO approvals (id, tenant_id, status, risk_level, requested_by, created_at, updated_at, expires_at, version, state)
                    VALUES (@Id, @TenantId, @Status, 'low', @RequestedBy, @CreatedAt, @CreatedAt, @ExpiresAt, 1, @State);
                    """,
                    new { a.Id, a.TenantId, Status = WireNames.Of(a.Status), a.RequestedBy, CreatedAt = Micros.From(a.CreatedAt),
                          ExpiresAt = Micros.From(a.ExpiresAt), State = ApprovalStateJson.Serialize(a) });
            }
            foreach (var (run, _) in DueWorkBackfill.Runs)
            {
                await connection.ExecuteAsync(
                    """
                    INSERT INTO workflows (id, tenant_id, status, name, created_at, updated_at, version, state)
                    VALUES (@Id, @TenantId, @Status, @Name, @CreatedAt, @UpdatedAt, @Version, @State);
                    """,
                    new { run.Id, run.TenantId, Status = WorkflowStateMachine.Wire(run.Status), run.Name, CreatedAt = Micros.From(run.CreatedAt),
                          UpdatedAt = Micros.From(run.UpdatedAt), run.Version, State = WorkflowStateJson.Serialize(run) });
            }
        }

        var database = new SqliteStoreDatabase(ConnectionString);
        await database.MigrateAsync(None);

        Assert.Equal(DueWorkBackfill.Expected, await new SqliteDueWorkStore(database).ReadDueWorkflowsAsync(DueWorkBackfill.ReadAt, 100, null, None));
    }

    [Theory]
    [InlineData(SqliteDueWorkStore.OverdueApprovalsSql, "ix_approvals_pending_expiry")]
    [InlineData(SqliteDueWorkStore.DueWorkflowsSql, "ix_workflows_due")]
    public async Task TheDueReads_SearchTheirPartialIndex_WithNoScanOrSort(string sql, string index)
    {
        await new SqliteStoreDatabase(ConnectionString).MigrateAsync(None);
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();

        var plan = (await connection.QueryAsync<(long Id, long Parent, long NotUsed, string Detail)>(
            $"EXPLAIN QUERY PLAN {sql}", new { now = 1L, afterAt = 0L, afterId = "", limit = 10 })).Select(r => r.Detail).ToList();

        // One search of the index, in due order (no sort step): the read stops at now or at the limit, whatever is
        // pending behind it.
        var step = Assert.Single(plan);
        Assert.StartsWith("SEARCH", step, StringComparison.Ordinal);
        Assert.Contains($"INDEX {index} ", step, StringComparison.Ordinal);
    }
}
