using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Approvals.Storage.PostgreSql;

/// <summary>
/// The multi-node backend. Every node is stateless: version checks, row locks,
/// <c>FOR UPDATE SKIP LOCKED</c> and advisory locks in PostgreSQL do all the coordination.
/// Tables live in the connection's search_path.
/// </summary>
public sealed partial class PostgresApprovalsStore : IApprovalsStore
{
    /// <summary>
    /// Taken by every transaction that appends events, right before the insert, and held until commit.
    /// Sequence numbers are therefore handed out in commit order: a transaction can only draw a seq after
    /// the previous appender has committed (and become visible). So when a reader sees seq N, every
    /// lower seq that will ever exist is already visible, and <see cref="ReadAfterAsync"/> never skips
    /// an event that commits late with a lower seq. Without the lock, a slow transaction holding seq 10
    /// could commit after one holding seq 11, and a reader checkpointing at 11 would never see 10.
    /// </summary>
    internal const string EventOrderLockSql = $"SELECT pg_advisory_xact_lock({LockKeys.EventOrder}, {LockKeys.Schema});";

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Uses the database of <paramref name="dataSource"/>, which the caller owns and disposes.</summary>
    public PostgresApprovalsStore(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
    }

    /// <summary>
    /// Builds a data source for <paramref name="connectionString"/> (e.g.
    /// <c>Host=db;Database=approvals;Username=…;Password=…;SearchPath=approvals</c>). The caller owns it.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.ConnectionStringBuilder.ApplicationName))
        {
            builder.ConnectionStringBuilder.ApplicationName = "approvals";
        }
        // The store runs a small, fixed set of statements; preparing them saves parsing and planning on every call.
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        }
        return builder.Build();
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await PostgresMigrator.ApplyAsync(connection, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidSchemaName)
        {
            // Creating the schema needs rights the application should not hold; say what is missing.
            var searchPath = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString).SearchPath ?? "(server default)";
            throw new InvalidOperationException(
                $"No schema of the search_path '{searchPath}' exists; create it (CREATE SCHEMA …) before migrating.", e);
        }
    }

    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            return await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1;", cancellationToken: cancellationToken)) == 1;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return false;
        }
    }

    // ---- state ----

    public async Task<StoredApproval?> LoadApprovalAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT state, chain_head FROM approvals WHERE id = @id;", connection);
        command.Parameters.Add(Text("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new StoredApproval(
            ApprovalStateJson.Deserialize(reader.GetString(0)),
            await reader.IsDBNullAsync(1, cancellationToken) ? null : reader.GetString(1));
    }

    public async Task<StoredWorkflow?> LoadWorkflowAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT state, chain_head FROM workflows WHERE id = @id;", connection);
        command.Parameters.Add(Text("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new StoredWorkflow(
            WorkflowStateJson.Deserialize(reader.GetString(0)),
            await reader.IsDBNullAsync(1, cancellationToken) ? null : reader.GetString(1));
    }

    public async Task<IReadOnlyList<WriteOutcome>> SaveAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writes);
        if (writes.Count == 0)
        {
            return [];
        }
        // Every transaction takes its locks in one global order, so concurrent batches queue instead
        // of deadlocking: state rows (approvals, then workflows) in key order (stable, so two writes of
        // one actor keep their order), then idempotency records, then status counters
        // (sorted, in one statement), then the event-order lock, whose holder waits for nothing more
        // before it commits.
        var order = Enumerable.Range(0, writes.Count)
            .OrderBy(i => writes[i].Key.Type, StringComparer.Ordinal)
            .ThenBy(i => writes[i].Key.Id, StringComparer.Ordinal)
            .ToArray();
        var outcomes = new WriteOutcome[writes.Count];
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await SaveInTransactionAsync(connection, writes, order, outcomes, cancellationToken);
        }
        catch (PostgresException) when (connection.State == System.Data.ConnectionState.Open)
        {
            // When a statement of a batch fails, the server skips the rest of the batch, including the
            // Describe of statements Npgsql is auto-preparing in it; Npgsql 10 then keeps them as
            // prepared without their row description, and the next batch on this connection fails
            // with "unexpected backend message DataRow". Forget every prepared statement of this
            // connection so the next use prepares them afresh.
            connection.UnprepareAll();
            throw;
        }
        return outcomes;
    }

    private async Task SaveInTransactionAsync(NpgsqlConnection connection, IReadOnlyList<StateWrite> writes, int[] order, WriteOutcome[] outcomes,
        CancellationToken cancellationToken)
    {
        var counts = new StatusCounts();
        var changeChannel = await ChangeChannelAsync(connection, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Round trip 1: every state row, each version-checked on its own. A conflict changes no row
        // and so needs no savepoint; the other writes go on.
        await using (var states = new NpgsqlBatch(connection, transaction))
        {
            foreach (var i in order)
            {
                states.BatchCommands.Add(writes[i] switch
                {
                    ApprovalWrite approval => ApprovalCommand(approval),
                    WorkflowWrite workflow => WorkflowCommand(workflow),
                    var other => throw new NotSupportedException($"Unknown write type {other.GetType().Name}."),
                });
            }
            await using var reader = await states.ExecuteReaderAsync(cancellationToken);
            for (var k = 0; k < order.Length; k++)
            {
                if (k > 0 && !await reader.NextResultAsync(cancellationToken))
                {
                    throw new InvalidOperationException("A state statement returned no result set.");
                }
                var committed = await reader.ReadAsync(cancellationToken);
                outcomes[order[k]] = committed ? WriteOutcome.Committed : WriteOutcome.Conflict;
                if (committed && writes[order[k]] is ApprovalWrite approval)
                {
                    // The row as it was before this write (NULLs for a new row).
                    var oldTenant = await reader.IsDBNullAsync(0, cancellationToken) ? null : reader.GetString(0);
                    var oldStatus = await reader.IsDBNullAsync(1, cancellationToken) ? null : reader.GetString(1);
                    counts.Move(oldTenant, oldStatus, approval.State.TenantId, WireNames.Of(approval.State.Status));
                }
            }
        }

        // Round trip 2: idempotency records (sorted, like every other lock), status counters, then
        // (last, so the lock is held only until the commit right after) the events of the committed
        // writes and the one change notice that announces them.
        await using (var rest = new NpgsqlBatch(connection, transaction))
        {
            var completions = order
                .Where(i => outcomes[i] == WriteOutcome.Committed && writes[i].Idempotency is not null)
                .OrderBy(i => writes[i].Idempotency!.Scope, StringComparer.Ordinal)
                .ThenBy(i => writes[i].Idempotency!.Key, StringComparer.Ordinal);
            foreach (var i in completions)
            {
                rest.BatchCommands.Add(CompletionCommand(writes[i].Idempotency!, WrittenAt(writes[i])));
            }
            if (counts.HasChanges)
            {
                rest.BatchCommands.Add(counts.ToCommand());
            }
            var events = Enumerable.Range(0, writes.Count)
                .Where(i => outcomes[i] == WriteOutcome.Committed)
                .SelectMany(i => writes[i].Events)
                .ToList();
            if (events.Count > 0)
            {
                rest.BatchCommands.Add(new NpgsqlBatchCommand(EventOrderLockSql));
                rest.BatchCommands.Add(InsertEventsCommand(events));
                rest.BatchCommands.Add(EventLogMovedCommand(changeChannel));
            }
            if (rest.BatchCommands.Count > 0)
            {
                await rest.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand ApprovalCommand(ApprovalWrite write)
    {
        var s = write.State;
        var command = new NpgsqlBatchCommand(write.ExpectedVersion == 0
            ? """
              INSERT INTO approvals (id, tenant_id, status, risk_level, agent_id, requested_by, workflow_id,
                                     created_at, updated_at, expires_at, version, chain_head, state)
              VALUES (@id, @tenant_id, @status, @risk_level, @agent_id, @requested_by, @workflow_id,
                      @created_at, @updated_at, @expires_at, @version, @chain_head, @state)
              ON CONFLICT (id) DO NOTHING
              RETURNING NULL::text, NULL::text;
              """
            // RETURNING gives the old tenant and status (from the self-join) for the status counters.
            // The update succeeds only while the row still has the expected version, so the joined
            // row read from the statement's snapshot is that same version.
            : """
              UPDATE approvals AS a
              SET tenant_id = @tenant_id, status = @status, risk_level = @risk_level, agent_id = @agent_id,
                  requested_by = @requested_by, workflow_id = @workflow_id, created_at = @created_at,
                  updated_at = @updated_at, expires_at = @expires_at, version = @version,
                  chain_head = @chain_head, state = @state
              FROM approvals AS old
              WHERE a.id = @id AND a.version = @expected AND old.id = a.id AND old.version = @expected
              RETURNING old.tenant_id, old.status;
              """);
        command.Parameters.Add(Text("id", s.Id));
        command.Parameters.Add(Text("tenant_id", s.TenantId));
        command.Parameters.Add(Text("status", WireNames.Of(s.Status)));
        command.Parameters.Add(Text("risk_level", WireNames.Of(s.RiskLevel)));
        command.Parameters.Add(Text("agent_id", s.AgentId));
        command.Parameters.Add(Text("requested_by", s.RequestedBy));
        command.Parameters.Add(Text("workflow_id", s.WorkflowId));
        command.Parameters.Add(Time("created_at", s.CreatedAt));
        command.Parameters.Add(Time("updated_at", s.UpdatedAt));
        command.Parameters.Add(Time("expires_at", s.ExpiresAt));
        command.Parameters.Add(new NpgsqlParameter<long>("version", s.Version));
        command.Parameters.Add(Text("chain_head", write.ChainHead));
        command.Parameters.Add(new NpgsqlParameter<string>("state", NpgsqlDbType.Jsonb) { TypedValue = ApprovalStateJson.Serialize(s) });
        command.Parameters.Add(new NpgsqlParameter<long>("expected", write.ExpectedVersion));
        return command;
    }

    private static NpgsqlBatchCommand WorkflowCommand(WorkflowWrite write)
    {
        // Like an approval's, minus the counters: a row comes back exactly when the write took effect.
        var s = write.State;
        var command = new NpgsqlBatchCommand(write.ExpectedVersion == 0
            ? """
              INSERT INTO workflows (id, tenant_id, status, name, created_at, updated_at, version, chain_head, state, due_at)
              VALUES (@id, @tenant_id, @status, @name, @created_at, @updated_at, @version, @chain_head, @state, @due_at)
              ON CONFLICT (id) DO NOTHING
              RETURNING id;
              """
            : """
              UPDATE workflows
              SET tenant_id = @tenant_id, status = @status, name = @name, created_at = @created_at,
                  updated_at = @updated_at, version = @version, chain_head = @chain_head, state = @state, due_at = @due_at
              WHERE id = @id AND version = @expected
              RETURNING id;
              """);
        command.Parameters.Add(Text("id", s.Id));
        command.Parameters.Add(Text("tenant_id", s.TenantId));
        command.Parameters.Add(Text("status", WorkflowStateMachine.Wire(s.Status)));
        command.Parameters.Add(Text("name", s.Name));
        command.Parameters.Add(Time("created_at", s.CreatedAt));
        command.Parameters.Add(Time("updated_at", s.UpdatedAt));
        command.Parameters.Add(new NpgsqlParameter<long>("version", s.Version));
        command.Parameters.Add(Text("chain_head", write.ChainHead));
        command.Parameters.Add(new NpgsqlParameter<string>("state", NpgsqlDbType.Json) { TypedValue = WorkflowStateJson.Serialize(s) });
        // What the start-up catch-up finds the run by (see PostgresApprovalsStore.DueWork.cs).
        command.Parameters.Add(NullableTime("due_at", DueWork.WorkflowDueAt(s)));
        command.Parameters.Add(new NpgsqlParameter<long>("expected", write.ExpectedVersion));
        return command;
    }

    private static NpgsqlBatchCommand CompletionCommand(IdempotencyCompletion completion, DateTimeOffset writtenAt)
    {
        // Over the request's own reservation, or a fresh row when it has none (it was purged, or the
        // caller never reserved): either way the record is completed exactly when the write commits.
        // An existing row keeps its created_at, the time the request was first seen.
        var command = new NpgsqlBatchCommand(
            """
            INSERT INTO idempotency_keys (scope, key, request_hash, completed, status_code, response_body, created_at, expires_at)
            VALUES (@scope, @key, @hash, true, @status_code, @response_body, @now, @expires)
            ON CONFLICT (scope, key) DO UPDATE
                SET request_hash = excluded.request_hash, completed = true, status_code = excluded.status_code,
                    response_body = excluded.response_body, expires_at = excluded.expires_at;
            """);
        command.Parameters.Add(Text("scope", completion.Scope));
        command.Parameters.Add(Text("key", completion.Key));
        command.Parameters.Add(Text("hash", completion.RequestHash));
        command.Parameters.Add(new NpgsqlParameter<int>("status_code", completion.StatusCode));
        command.Parameters.Add(Text("response_body", completion.ResponseBody));
        command.Parameters.Add(Time("now", writtenAt));
        command.Parameters.Add(Time("expires", completion.ExpiresAt));
        return command;
    }

    /// <summary>When the write was made, by the clock of its caller (the store has none of its own).</summary>
    private static DateTimeOffset WrittenAt(StateWrite write) => write switch
    {
        ApprovalWrite approval => approval.State.UpdatedAt,
        WorkflowWrite workflow => workflow.State.UpdatedAt,
        var other => throw new NotSupportedException($"Unknown write type {other.GetType().Name}."),
    };

    private static NpgsqlBatchCommand InsertEventsCommand(IReadOnlyList<EventRecord> events)
    {
        // One statement for all events; ORDER BY ordinality draws the identity values in batch order.
        var command = new NpgsqlBatchCommand(
            """
            INSERT INTO events (id, type, tenant_id, subject_id, actor, at, data, prev_hash, hash, ip, user_agent, correlation_id)
            SELECT id, type, tenant_id, subject_id, actor, at, data, prev_hash, hash, ip, user_agent, correlation_id
            FROM unnest(@id, @type, @tenant_id, @subject_id, @actor, @at, @data, @prev_hash, @hash, @ip, @user_agent, @correlation_id)
                 WITH ORDINALITY AS e(id, type, tenant_id, subject_id, actor, at, data, prev_hash, hash, ip, user_agent, correlation_id, ord)
            ORDER BY ord;
            """);
        command.Parameters.Add(TextArray("id", events.Select(e => e.Id)));
        command.Parameters.Add(TextArray("type", events.Select(e => e.Type)));
        command.Parameters.Add(TextArray("tenant_id", events.Select(e => e.TenantId)));
        command.Parameters.Add(TextArray("subject_id", events.Select(e => e.SubjectId)));
        command.Parameters.Add(TextArray("actor", events.Select(e => e.Actor)));
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
        {
            TypedValue = events.Select(e => e.At.UtcDateTime).ToArray(),
        });
        command.Parameters.Add(TextArray("data", events.Select(e => e.DataJson)));
        command.Parameters.Add(TextArray("prev_hash", events.Select(e => e.PrevHash)));
        command.Parameters.Add(TextArray("hash", events.Select(e => e.Hash)));
        command.Parameters.Add(TextArray("ip", events.Select(e => e.Audit?.Ip)));
        command.Parameters.Add(TextArray("user_agent", events.Select(e => e.Audit?.UserAgent)));
        command.Parameters.Add(TextArray("correlation_id", events.Select(e => e.Audit?.CorrelationId)));
        return command;
    }

    /// <summary>
    /// The change notice of a batch that appended events: one per batch, whatever its size, carrying the
    /// highest sequence number in the log. It runs right after the insert, under the event-order lock, so
    /// that number is this batch's last event (every earlier appender has committed, no later one has
    /// drawn a number yet). pg_notify queues the notice in the transaction: it is delivered at commit,
    /// and dropped with everything else if the transaction rolls back.
    /// </summary>
    private static NpgsqlBatchCommand EventLogMovedCommand(string channel)
    {
        var command = new NpgsqlBatchCommand("SELECT pg_notify(@channel, (SELECT max(seq) FROM events)::text);");
        command.Parameters.Add(Text("channel", channel));
        return command;
    }

    // ---- events ----

    public async Task<IReadOnlyList<EventRecord>> ReadAfterAsync(long afterSeq, int limit, CancellationToken cancellationToken)
    {
        // No high-water-mark check is needed here: EventOrderLockSql makes seq order commit order.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"{SelectEvents} WHERE seq > @after ORDER BY seq LIMIT @limit;", connection);
        command.Parameters.Add(new NpgsqlParameter<long>("after", afterSeq));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        return await ReadEventsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<EventRecord>> ReadSubjectAsync(string subjectId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"{SelectEvents} WHERE subject_id = @subject ORDER BY seq;", connection);
        command.Parameters.Add(Text("subject", subjectId));
        return await ReadEventsAsync(command, cancellationToken);
    }

    private const string SelectEvents =
        "SELECT seq, id, type, tenant_id, subject_id, actor, at, data, prev_hash, hash, ip, user_agent, correlation_id FROM events";

    private static async Task<IReadOnlyList<EventRecord>> ReadEventsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<EventRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var ip = await reader.IsDBNullAsync(10, cancellationToken) ? null : reader.GetString(10);
            var userAgent = await reader.IsDBNullAsync(11, cancellationToken) ? null : reader.GetString(11);
            var correlationId = await reader.IsDBNullAsync(12, cancellationToken) ? null : reader.GetString(12);
            events.Add(new EventRecord(
                Id: reader.GetString(1),
                Seq: reader.GetInt64(0),
                Type: reader.GetString(2),
                TenantId: reader.GetString(3),
                SubjectId: reader.GetString(4),
                Actor: reader.GetString(5),
                At: reader.GetFieldValue<DateTimeOffset>(6),
                DataJson: reader.GetString(7),
                PrevHash: await reader.IsDBNullAsync(8, cancellationToken) ? null : reader.GetString(8),
                Hash: reader.GetString(9))
            {
                // An event stored without any origin had none when sealed (its hash leaves the context out).
                Audit = ip is null && userAgent is null && correlationId is null ? null : new AuditContext(ip, userAgent, correlationId),
            });
        }
        return events;
    }

    // ---- idempotency ----

    public async Task<IdempotencyClaim> TryBeginAsync(string scope, string key, string requestHash, DateTimeOffset now, TimeSpan retention,
        TimeSpan takeOverAfter, CancellationToken cancellationToken)
    {
        // Zero would let every one of several concurrent callers take over the reservation the previous one just made.
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(takeOverAfter, TimeSpan.Zero);
        var takeOverBefore = takeOverAfter < now - DateTimeOffset.MinValue ? now - takeOverAfter : DateTimeOffset.MinValue;
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        // The existing record is read by a second statement: one statement's snapshot may predate the
        // row that made the insert conflict. If that row is gone by then (abandoned or purged), try again.
        while (true)
        {
            // The takeover is decided in the upsert's WHERE, which concurrent callers evaluate one at a
            // time against the row's latest version (the row lock queues them): once one has taken the
            // row over, its created_at is fresh and the others find a live reservation.
            await using (var begin = new NpgsqlCommand(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash, completed, status_code, response_body, created_at, expires_at)
                VALUES (@scope, @key, @hash, false, 0, NULL, @now, @expires)
                ON CONFLICT (scope, key) DO UPDATE
                    SET request_hash = excluded.request_hash, completed = false, status_code = 0, response_body = NULL,
                        created_at = excluded.created_at, expires_at = excluded.expires_at
                    WHERE idempotency_keys.expires_at <= @now
                       OR (NOT idempotency_keys.completed AND idempotency_keys.created_at <= @take_over_before)
                RETURNING 1;
                """, connection))
            {
                begin.Parameters.Add(Text("scope", scope));
                begin.Parameters.Add(Text("key", key));
                begin.Parameters.Add(Text("hash", requestHash));
                begin.Parameters.Add(Time("now", now));
                begin.Parameters.Add(Time("expires", now + retention));
                begin.Parameters.Add(Time("take_over_before", takeOverBefore));
                if (await begin.ExecuteScalarAsync(cancellationToken) is not null)
                {
                    return new IdempotencyClaim(true, null);
                }
            }

            await using var select = new NpgsqlCommand(
                """
                SELECT scope, key, request_hash, completed, status_code, response_body, created_at, expires_at
                FROM idempotency_keys WHERE scope = @scope AND key = @key;
                """, connection);
            select.Parameters.Add(Text("scope", scope));
            select.Parameters.Add(Text("key", key));
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                return new IdempotencyClaim(false, new IdempotencyRecord(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetBoolean(3),
                    reader.GetInt32(4),
                    await reader.IsDBNullAsync(5, cancellationToken) ? null : reader.GetString(5),
                    reader.GetFieldValue<DateTimeOffset>(6),
                    reader.GetFieldValue<DateTimeOffset>(7)));
            }
        }
    }

    public async Task CompleteAsync(string scope, string key, int statusCode, string? responseBody, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE idempotency_keys SET completed = true, status_code = @statusCode, response_body = @responseBody WHERE scope = @scope AND key = @key;",
            new { scope, key, statusCode, responseBody }, cancellationToken: cancellationToken));
    }

    public async Task AbandonAsync(string scope, string key, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM idempotency_keys WHERE scope = @scope AND key = @key AND NOT completed;",
            new { scope, key }, cancellationToken: cancellationToken));
    }

    public async Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM idempotency_keys WHERE expires_at <= @now;", connection);
        command.Parameters.Add(Time("now", now));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // ---- queries ----

    public async Task<Page<ApprovalState>> ListAsync(ApprovalQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
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
        return Paging.ToPage(await ReadPageAsync(command, sql, query.After, query.Limit, ApprovalStateJson.Deserialize, cancellationToken), query.Limit);
    }

    // Counts read the counters SaveAsync keeps (O(1)), not a scan of the tenant's rows.
    public async Task<long> CountAsync(string tenantId, ApprovalStatus status, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT coalesce(sum(n), 0)::bigint FROM approval_counts WHERE tenant_id = @tenantId AND status = @status;",
            new { tenantId, status = WireNames.Of(status) }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyDictionary<ApprovalStatus, long>> CountByStatusAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(
            "SELECT status, n FROM approval_counts WHERE tenant_id = @tenantId;",
            new { tenantId }, cancellationToken: cancellationToken));
        return Paging.CountsByStatus(rows);
    }

    public async Task<Page<WorkflowState>> ListWorkflowsAsync(WorkflowQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand { Connection = connection };
        var sql = new StringBuilder("SELECT state FROM workflows WHERE tenant_id = @tenant_id");
        command.Parameters.Add(Text("tenant_id", query.TenantId));
        if (query.Status is { } status)
        {
            sql.Append(" AND status = @status");
            command.Parameters.Add(Text("status", WorkflowStateMachine.Wire(status)));
        }
        return Paging.ToPage(await ReadPageAsync(command, sql, query.After, query.Limit, WorkflowStateJson.Deserialize, cancellationToken), query.Limit);
    }

    /// <summary>
    /// The keyset tail every newest-first list shares: after the cursor, ordered, one row more than
    /// the page (it only tells that a next page exists), each row's state JSON deserialized.
    /// </summary>
    private static async Task<List<T>> ReadPageAsync<T>(NpgsqlCommand command, StringBuilder sql, PageCursor? after, int limit,
        Func<string, T> deserialize, CancellationToken cancellationToken)
    {
        if (after is { } cursor)
        {
            // A row comparison, which PostgreSQL matches against the (…, created_at DESC, id DESC) indexes.
            sql.Append(" AND (created_at, id) < (@cursor_at, @cursor_id)");
            command.Parameters.Add(Time("cursor_at", cursor.CreatedAt));
            command.Parameters.Add(Text("cursor_id", cursor.Id));
        }
        sql.Append(" ORDER BY created_at DESC, id DESC LIMIT @limit;");
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit + 1));
        command.CommandText = sql.ToString();

        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(deserialize(reader.GetString(0)));
        }
        return rows;
    }

    // ---- consumer checkpoints ----

    public async Task<long> ReadCheckpointAsync(string consumer, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT seq FROM consumer_checkpoints WHERE consumer = @consumer;", connection);
        command.Parameters.Add(Text("consumer", consumer));
        return await command.ExecuteScalarAsync(cancellationToken) is long seq ? seq : 0;
    }

    public async Task SaveCheckpointAsync(string consumer, long seq, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        // The WHERE keeps the stored seq when it is already ahead: a slow or restarted consumer (or a
        // second node running the same consumer) never moves it back. updated_at is for operators only.
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO consumer_checkpoints (consumer, seq, updated_at) VALUES (@consumer, @seq, now())
            ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
                WHERE consumer_checkpoints.seq < excluded.seq;
            """, connection);
        command.Parameters.Add(Text("consumer", consumer));
        command.Parameters.Add(new NpgsqlParameter<long>("seq", seq));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // ---- change feed ----

    private static readonly TimeSpan ListenReconnectDelay = TimeSpan.FromSeconds(1);

    // The notice channel of this store's schema, computed on first use (every node computes the same name).
    private string? _changeChannel;

    /// <summary>
    /// Yields the notices SaveAsync on any node sends for its batches that appended events, from a
    /// connection of its own that LISTENs for as long as the sequence is read. A broken connection is reopened after a short
    /// back-off; notices sent meanwhile are lost, which the port allows (receivers fall back to re-reading).
    /// The sequence ends, without an error, when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async IAsyncEnumerable<EventLogMoved> ListenAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Notices arrive on an event of the connection while it waits; the channel hands them to the reader.
        var received = Channel.CreateUnbounded<EventLogMoved>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var listening = ListenLoopAsync(received.Writer, stop.Token);
        try
        {
            // Ends when the loop completes the channel: on cancellation, or with the loop's error.
            await foreach (var notice in received.Reader.ReadAllAsync(CancellationToken.None))
            {
                yield return notice;
            }
        }
        finally
        {
            // Also when the reader stops early: the LISTEN connection must not outlive the sequence.
            await stop.CancelAsync();
            await listening;
        }
    }

    private async Task ListenLoopAsync(ChannelWriter<EventLogMoved> received, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            while (true)
            {
                try
                {
                    // A connection of its own for as long as it listens: a pooled connection returned after
                    // each command would forget its LISTEN.
                    await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
                    connection.Notification += (_, notice) =>
                    {
                        // Only SaveAsync sends on this channel, with a sequence number. Anything else (a node of
                        // an older version, which sent actor ids) is dropped: the readers' fallback re-read covers it.
                        if (long.TryParse(notice.Payload, NumberStyles.None, CultureInfo.InvariantCulture, out var upTo))
                        {
                            received.TryWrite(new EventLogMoved(upTo));
                        }
                    };
                    var channel = await ChangeChannelAsync(connection, cancellationToken);
                    // The channel name is ours (letters, digits, underscores), so it needs no quoting.
                    await using (var listen = new NpgsqlCommand($"LISTEN {channel};", connection))
                    {
                        await listen.ExecuteNonQueryAsync(cancellationToken);
                    }
                    while (true)
                    {
                        await connection.WaitAsync(cancellationToken);
                    }
                }
                catch (Exception e) when ((e is NpgsqlException or TimeoutException) && !cancellationToken.IsCancellationRequested)
                {
                    // The server restarted, the network failed or an administrator ended the session.
                    await Task.Delay(ListenReconnectDelay, cancellationToken);
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop: the sequence ends normally, whatever the connection threw on the way down.
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            received.TryComplete(failure);
        }
    }

    /// <summary>
    /// The notice channel of <paramref name="schema"/>. Notices are database-wide, so the name carries a
    /// hash of the schema: installations sharing a database (and the test schemas) hear only their own.
    /// A hash keeps the name short and unquoted; a collision would only wake a listener for nothing.
    /// </summary>
    internal static string ChangeChannelOf(string schema) =>
        "approvals_changes_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(schema)))[..16];

    private async ValueTask<string> ChangeChannelAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_changeChannel is null)
        {
            // Racing first callers compute the same name; whichever store wins is fine.
            var schema = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
                "SELECT coalesce(current_schema(), '');", cancellationToken: cancellationToken));
            _changeChannel = ChangeChannelOf(schema ?? "");
        }
        return _changeChannel;
    }

    // ---- parameters ----

    private static NpgsqlParameter Text(string name, string? value) =>
        new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter<string?[]> TextArray(string name, IEnumerable<string?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = values.ToArray() };

    // Npgsql writes only UTC DateTimeOffsets to timestamptz; callers already truncated to microseconds.
    private static NpgsqlParameter<DateTimeOffset> Time(string name, DateTimeOffset value) =>
        new(name, NpgsqlDbType.TimestampTz) { TypedValue = value.ToUniversalTime() };

    private static NpgsqlParameter NullableTime(string name, DateTimeOffset? value) =>
        new(name, NpgsqlDbType.TimestampTz) { Value = value is { } at ? at.ToUniversalTime() : DBNull.Value };
}
