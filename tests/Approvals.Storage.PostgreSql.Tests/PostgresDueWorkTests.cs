using Approvals.Contracts;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Approvals.Storage.PostgreSql.Tests;

/// <summary>What only PostgreSQL can show of the due-work port: its migration's backfill and the plans of its reads.</summary>
[RequiresPostgres]
public sealed class PostgresDueWorkTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;

    private PostgresDatabase _database = null!;

    public async Task InitializeAsync() => _database = await PostgresDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [PostgresFact]
    public async Task Migrate_GivesRunsWrittenBeforeTheDueColumn_TheDueTimeOfTheirStoredState()
    {
        // A database written by the previous version: migrations up to 0008, then rows without due_at.
        await using (var connection = await _database.DataSource.OpenConnectionAsync())
        {
            await PostgresMigrator.ApplyAsync(connection, None, upToVersion: 8);
        }
        foreach (var a in DueWorkBackfill.Approvals)
        {
            await using var insert = _database.DataSource.CreateCommand(
                """
                INSERT INTO approvals (id, tenant_id, status, risk_level, requested_by, created_at, updated_at, expires_at, version, state)
                VALUES ($1, $2, $3, 'low', $4, $5, $5, $6, 1, $7::jsonb);
                """);
            insert.Parameters.Add(new NpgsqlParameter { Value = a.Id });
            insert.Parameters.Add(new NpgsqlParameter { Value = a.TenantId });
            insert.Parameters.Add(new NpgsqlParameter { Value = WireNames.Of(a.Status) });
            insert.Parameters.Add(new NpgsqlParameter { Value = a.RequestedBy });
            insert.Parameters.Add(new NpgsqlParameter { Value = a.CreatedAt });
            insert.Parameters.Add(new NpgsqlParameter { Value = a.ExpiresAt });
            insert.Parameters.Add(new NpgsqlParameter { Value = ApprovalStateJson.Serialize(a) });
            await insert.ExecuteNonQueryAsync();
        }
        foreach (var (run, _) in DueWorkBackfill.Runs)
        {
            await using var insert = _database.DataSource.CreateCommand(
                """
                INSERT INTO workflows (id, tenant_id, status, name, created_at, updated_at, version, state)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json);
                """);
            insert.Parameters.Add(new NpgsqlParameter { Value = run.Id });
            insert.Parameters.Add(new NpgsqlParameter { Value = run.TenantId });
            insert.Parameters.Add(new NpgsqlParameter { Value = WorkflowStateMachine.Wire(run.Status) });
            insert.Parameters.Add(new NpgsqlParameter { Value = run.Name });
            insert.Parameters.Add(new NpgsqlParameter { Value = run.CreatedAt });
            insert.Parameters.Add(new NpgsqlParameter { Value = run.UpdatedAt });
            insert.Parameters.Add(new NpgsqlParameter { Value = run.Version });
            insert.Parameters.Add(new NpgsqlParameter { Value = WorkflowStateJson.Serialize(run) });
            await insert.ExecuteNonQueryAsync();
        }

        var database = new PostgresStoreDatabase(_database.DataSource);
        await database.MigrateAsync(None);

        Assert.Equal(DueWorkBackfill.Expected, await new PostgresDueWorkStore(database).ReadDueWorkflowsAsync(DueWorkBackfill.ReadAt, 100, null, None));
    }

    [PostgresTheory]
    [InlineData(PostgresDueWorkStore.OverdueApprovalsSql + " ORDER BY expires_at, id LIMIT $2", "ix_approvals_pending_expiry")]
    [InlineData(PostgresDueWorkStore.DueWorkflowsSql + " ORDER BY due_at, id LIMIT $2", "ix_workflows_due")]
    public async Task TheDueReads_CanWalkTheirPartialIndex_InDueOrder(string sql, string index)
    {
        await new PostgresStoreDatabase(_database.DataSource).MigrateAsync(None);
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        // On empty tables a sequential scan is cheapest; forbidding it shows whether the index can serve the
        // read at all (a partial index whose predicate the query does not imply could not).
        await using (var noSeqScan = new NpgsqlCommand("SET enable_seqscan = off; SET enable_bitmapscan = off;", connection))
        {
            await noSeqScan.ExecuteNonQueryAsync();
        }
        await using var explain = new NpgsqlCommand($"EXPLAIN {sql.Replace("@now", "$1", StringComparison.Ordinal)}", connection);
        explain.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = DateTimeOffset.UtcNow });
        explain.Parameters.Add(new NpgsqlParameter { Value = 10 });
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        // An index scan in due order (no sort above it): the read stops at now or at the limit.
        Assert.Contains(plan, line => line.Contains($"Scan using {index} ", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("Sort", StringComparison.Ordinal));
    }
}
