using Approvals.Contracts;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Storage.PostgreSql.PostgresParameters;

namespace Approvals.Storage.PostgreSql;

/// <summary>
/// Approval and workflow state, loaded by id and saved in version-checked batches, each batch one transaction
/// with its events, idempotent replies, status counters and change notice. Both kinds in one class: a group
/// commit's batch mixes them in one transaction.
/// </summary>
public sealed class PostgresStateStore(PostgresStoreDatabase database) : IStateStore
{
    /// <summary>
    /// Taken by every transaction that appends events, right before the insert, and held until commit.
    /// Sequence numbers are therefore handed out in commit order: a transaction can only draw a seq after
    /// the previous appender has committed (and become visible). So when a reader sees seq N, every
    /// lower seq that will ever exist is already visible, and <see cref="PostgresEventLog.ReadAfterAsync"/> never skips
    /// an event that commits late with a lower seq. Without the lock, a slow transaction holding seq 10
    /// could commit after one holding seq 11, and a reader checkpointing at 11 would never see 10.
    /// </summary>
    internal const string EventOrderLockSql = $"SELECT pg_advisory_xact_lock({LockKeys.EventOrder}, {LockKeys.Schema});";

    public async Task<StoredApproval?> LoadApprovalAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
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
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
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
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
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
        var changeChannel = await database.ChangeChannelAsync(connection, cancellationToken);
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
        // What the start-up catch-up finds the run by (see PostgresDueWorkStore).
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
}
