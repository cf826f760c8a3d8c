using System.Runtime.CompilerServices;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Approvals.Storage.Sqlite;

/// <summary>
/// The embedded backend: one SQLite file in WAL mode, for a single node. Writes are serialised
/// in-process (SQLite has one writer anyway), so a batch is one IMMEDIATE transaction and one fsync,
/// and event sequence numbers are assigned in commit order.
/// </summary>
public sealed partial class SqliteApprovalsStore : IApprovalsStore, IDisposable
{
    private readonly string _connectionString;

    // Shared with every other writer of this file in the process (the reminder table): see SqliteDatabaseFile.
    private readonly SemaphoreSlim _writeLock;

    /// <summary>Uses the database named by <paramref name="connectionString"/> (e.g. <c>Data Source=./data/approvals.db</c>).</summary>
    public SqliteApprovalsStore(string connectionString)
    {
        _connectionString = SqliteDatabaseFile.Prepare(connectionString);
        _writeLock = SqliteDatabaseFile.WriteGate(_connectionString);
    }

    /// <summary>Releases nothing: the write gate belongs to the file and outlives any one store over it.</summary>
    public void Dispose()
    {
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenForWriteAsync(cancellationToken);
            // WAL lets readers run beside the one writer; the setting is stored in the file.
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL;");
            await SqliteMigrator.ApplyAsync(connection, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            return await connection.ExecuteScalarAsync<long>("SELECT 1;") == 1;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    // ---- state ----

    public async Task<StoredApproval?> LoadApprovalAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ApprovalRow>(new CommandDefinition(
            "SELECT state, chain_head FROM approvals WHERE id = @id;", new { id }, cancellationToken: cancellationToken));
        return row is null ? null : new StoredApproval(ApprovalStateJson.Deserialize(row.State), row.Chain_Head);
    }

    private sealed record ApprovalRow(string State, string? Chain_Head);

    public async Task<StoredWorkflow?> LoadWorkflowAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<WorkflowRow>(new CommandDefinition(
            "SELECT state, chain_head FROM workflows WHERE id = @id;", new { id }, cancellationToken: cancellationToken));
        return row is null ? null : new StoredWorkflow(WorkflowStateJson.Deserialize(row.State), row.Chain_Head);
    }

    private sealed record WorkflowRow(string State, string? Chain_Head);

    public async Task<IReadOnlyList<WriteOutcome>> SaveAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0)
        {
            return [];
        }
        return await WriteAsync((connection, transaction) =>
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

    // ---- events ----

    public async Task<IReadOnlyList<EventRecord>> ReadAfterAsync(long afterSeq, int limit, CancellationToken cancellationToken)
    {
        // One writer commits at a time and assigns sequence numbers inside its transaction, so commit
        // order is sequence order and everything below the highest visible seq is already visible.
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<EventRow>(new CommandDefinition(
            $"{EventRow.Select} WHERE seq > @afterSeq ORDER BY seq LIMIT @limit;", new { afterSeq, limit }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<IReadOnlyList<EventRecord>> ReadSubjectAsync(string subjectId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<EventRow>(new CommandDefinition(
            $"{EventRow.Select} WHERE subject_id = @subjectId ORDER BY seq;", new { subjectId }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    private sealed record EventRow(long Seq, string Id, string Type, string Tenant_Id, string Subject_Id, string Actor, long At, string Data, string? Prev_Hash, string Hash,
        string? Ip, string? User_Agent, string? Correlation_Id)
    {
        public const string Select = "SELECT seq, id, type, tenant_id, subject_id, actor, at, data, prev_hash, hash, ip, user_agent, correlation_id FROM events";

        // An event stored without any origin had none when sealed (its hash leaves the context out).
        public EventRecord ToRecord() => new(Id, Seq, Type, Tenant_Id, Subject_Id, Actor, Micros.To(At), Data, Prev_Hash, Hash)
        {
            Audit = Ip is null && User_Agent is null && Correlation_Id is null ? null : new AuditContext(Ip, User_Agent, Correlation_Id),
        };
    }

    // ---- idempotency ----

    public Task<IdempotencyClaim> TryBeginAsync(string scope, string key, string requestHash, DateTimeOffset now, TimeSpan retention,
        TimeSpan takeOverAfter, CancellationToken cancellationToken)
    {
        // Zero would let each of several callers take over the reservation the previous one just made.
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(takeOverAfter, TimeSpan.Zero);
        var takeOverBefore = takeOverAfter < now - DateTimeOffset.MinValue ? now - takeOverAfter : DateTimeOffset.MinValue;
        return WriteAsync(async (connection, transaction) =>
        {
            // A reservation still open takeOverAfter after it was made is taken over: its owner died
            // before its write (and so its completion) committed.
            var started = await connection.QueryAsync<string>(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash, completed, status_code, response_body, created_at, expires_at)
                VALUES (@scope, @key, @requestHash, 0, 0, NULL, @now, @expires)
                ON CONFLICT (scope, key) DO UPDATE
                    SET request_hash = excluded.request_hash, completed = 0, status_code = 0, response_body = NULL,
                        created_at = excluded.created_at, expires_at = excluded.expires_at
                    WHERE idempotency_keys.expires_at <= @now
                       OR (idempotency_keys.completed = 0 AND idempotency_keys.created_at <= @takeOverBefore)
                RETURNING key;
                """,
                new { scope, key, requestHash, now = Micros.From(now), expires = Micros.From(now + retention), takeOverBefore = Micros.From(takeOverBefore) },
                transaction);
            if (started.Any())
            {
                return new IdempotencyClaim(true, null);
            }
            var existing = await connection.QuerySingleAsync<IdempotencyRow>(
                $"{IdempotencyRow.Select} WHERE scope = @scope AND key = @key;", new { scope, key }, transaction);
            return new IdempotencyClaim(false, existing.ToRecord());
        }, cancellationToken);
    }

    public Task CompleteAsync(string scope, string key, int statusCode, string? responseBody, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "UPDATE idempotency_keys SET completed = 1, status_code = @statusCode, response_body = @responseBody WHERE scope = @scope AND key = @key;",
            new { scope, key, statusCode, responseBody }, transaction), cancellationToken);

    public Task AbandonAsync(string scope, string key, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "DELETE FROM idempotency_keys WHERE scope = @scope AND key = @key AND completed = 0;",
            new { scope, key }, transaction), cancellationToken);

    public Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "DELETE FROM idempotency_keys WHERE expires_at <= @now;", new { now = Micros.From(now) }, transaction), cancellationToken);

    private sealed record IdempotencyRow(string Scope, string Key, string Request_Hash, long Completed, long Status_Code, string? Response_Body, long Created_At, long Expires_At)
    {
        public const string Select = "SELECT scope, key, request_hash, completed, status_code, response_body, created_at, expires_at FROM idempotency_keys";

        public IdempotencyRecord ToRecord() =>
            new(Scope, Key, Request_Hash, Completed != 0, (int)Status_Code, Response_Body, Micros.To(Created_At), Micros.To(Expires_At));
    }

    // ---- queries ----

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
        if (query.After is { } cursor)
        {
            sql.Append(" AND (created_at, id) < (@cursorAt, @cursorId)");
            args.Add("cursorAt", Micros.From(cursor.CreatedAt));
            args.Add("cursorId", cursor.Id);
        }
        sql.Append(" ORDER BY created_at DESC, id DESC LIMIT @limit;");

        await using var connection = await OpenAsync(cancellationToken);
        var states = (await connection.QueryAsync<string>(new CommandDefinition(sql.ToString(), args, cancellationToken: cancellationToken)))
            .Select(ApprovalStateJson.Deserialize)
            .ToList();
        return Paging.ToPage(states, query.Limit);
    }

    public async Task<long> CountAsync(string tenantId, ApprovalStatus status, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT coalesce(max(n), 0) FROM approval_counts WHERE tenant_id = @tenantId AND status = @status;",
            new { tenantId, status = WireNames.Of(status) }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyDictionary<ApprovalStatus, long>> CountByStatusAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(
            "SELECT status, n FROM approval_counts WHERE tenant_id = @tenantId;",
            new { tenantId }, cancellationToken: cancellationToken));
        return Paging.CountsByStatus(rows);
    }

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
            args.Add("cursorAt", Micros.From(cursor.CreatedAt));
            args.Add("cursorId", cursor.Id);
        }
        sql.Append(" ORDER BY created_at DESC, id DESC LIMIT @limit;");

        await using var connection = await OpenAsync(cancellationToken);
        var states = (await connection.QueryAsync<string>(new CommandDefinition(sql.ToString(), args, cancellationToken: cancellationToken)))
            .Select(WorkflowStateJson.Deserialize)
            .ToList();
        return Paging.ToPage(states, query.Limit);
    }

    // ---- consumer checkpoints ----

    public async Task<long> ReadCheckpointAsync(string consumer, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT seq FROM consumer_checkpoints WHERE consumer = @consumer;", new { consumer }, cancellationToken: cancellationToken)) ?? 0;
    }

    // The WHERE keeps the stored seq when it is already ahead: a slow or restarted consumer never moves it back.
    // updated_at is the database's clock, for operators only.
    public Task SaveCheckpointAsync(string consumer, long seq, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) => connection.ExecuteAsync(
            """
            INSERT INTO consumer_checkpoints (consumer, seq, updated_at)
            VALUES (@consumer, @seq, CAST(unixepoch('subsec') * 1000000 AS INTEGER))
            ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
                WHERE consumer_checkpoints.seq < excluded.seq;
            """,
            new { consumer, seq }, transaction), cancellationToken);

    // ---- change feed ----

    /// <summary>
    /// Never yields; ends when <paramref name="cancellationToken"/> is cancelled. SQLite serves one node,
    /// so every write is made by this process, which tells its own waiters in-process; there is no other
    /// node whose commits need announcing (and SQLite has no way to announce them).
    /// </summary>
    public async IAsyncEnumerable<EventLogMoved> ListenAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop: the sequence ends normally.
        }
        yield break;
    }

    // ---- plumbing ----

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private async Task<SqliteConnection> OpenForWriteAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        // FULL: a commit is on disk before it is acknowledged (group commit pays for the fsync).
        // busy_timeout: another process (a CLI, a second server by mistake) waits instead of failing.
        await connection.ExecuteAsync("PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
        return connection;
    }

    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenForWriteAsync(cancellationToken);
            // BEGIN IMMEDIATE: take the write lock up front rather than failing to upgrade later.
            await using var transaction = connection.BeginTransaction(deferred: false);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
