using Approvals.Contracts;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Microsoft.Data.Sqlite;

namespace Approvals.Storage.Sqlite;

/// <summary>
/// Writes one batch inside one transaction with prepared statements reused across its writes:
/// a group commit of hundreds of writes parses each statement once, not once per write.
/// </summary>
internal sealed class SqliteBatchWriter(SqliteConnection connection, SqliteTransaction transaction) : IDisposable
{
    private const string InsertApprovalSql = """
        INSERT INTO approvals (id, tenant_id, status, risk_level, agent_id, requested_by, workflow_id,
                               created_at, updated_at, expires_at, version, chain_head, state)
        VALUES ($id, $tenant_id, $status, $risk_level, $agent_id, $requested_by, $workflow_id,
                $created_at, $updated_at, $expires_at, $version, $chain_head, $state)
        ON CONFLICT (id) DO NOTHING;
        """;

    private const string UpdateApprovalSql = """
        UPDATE approvals
        SET status = $status, risk_level = $risk_level, agent_id = $agent_id, workflow_id = $workflow_id,
            updated_at = $updated_at, expires_at = $expires_at, version = $version,
            chain_head = $chain_head, state = $state
        WHERE id = $id AND version = $expected;
        """;

    private const string InsertWorkflowSql = """
        INSERT INTO workflows (id, tenant_id, status, name, created_at, updated_at, version, chain_head, state, due_at)
        VALUES ($id, $tenant_id, $status, $name, $created_at, $updated_at, $version, $chain_head, $state, $due_at)
        ON CONFLICT (id) DO NOTHING;
        """;

    private const string UpdateWorkflowSql = """
        UPDATE workflows
        SET status = $status, name = $name, updated_at = $updated_at, version = $version,
            chain_head = $chain_head, state = $state, due_at = $due_at
        WHERE id = $id AND version = $expected;
        """;

    private const string InsertEventSql = """
        INSERT INTO events (id, type, tenant_id, subject_id, actor, at, data, prev_hash, hash, ip, user_agent, correlation_id)
        VALUES ($id, $type, $tenant_id, $subject_id, $actor, $at, $data, $prev_hash, $hash, $ip, $user_agent, $correlation_id);
        """;

    // Over the request's own reservation, or a fresh row when it has none; an existing row keeps its created_at.
    private const string CompleteIdempotencySql = """
        INSERT INTO idempotency_keys (scope, key, request_hash, completed, status_code, response_body, created_at, expires_at)
        VALUES ($scope, $key, $request_hash, 1, $status_code, $response_body, $created_at, $expires_at)
        ON CONFLICT (scope, key) DO UPDATE
            SET request_hash = excluded.request_hash, completed = 1, status_code = excluded.status_code,
                response_body = excluded.response_body, expires_at = excluded.expires_at;
        """;

    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>Applies one write; false when its version check failed (nothing of it was kept).</summary>
    public bool Apply(StateWrite write)
    {
        var committed = write switch
        {
            ApprovalWrite approval => SaveApproval(approval),
            WorkflowWrite workflow => SaveWorkflow(workflow),
            var other => throw new NotSupportedException($"Unknown write type {other.GetType().Name}."),
        };
        if (!committed)
        {
            return false;
        }
        foreach (var e in write.Events)
        {
            Execute(InsertEventSql,
                ("$id", e.Id), ("$type", e.Type), ("$tenant_id", e.TenantId), ("$subject_id", e.SubjectId), ("$actor", e.Actor),
                ("$at", Micros.From(e.At)), ("$data", e.DataJson), ("$prev_hash", e.PrevHash), ("$hash", e.Hash),
                ("$ip", e.Audit?.Ip), ("$user_agent", e.Audit?.UserAgent), ("$correlation_id", e.Audit?.CorrelationId));
        }
        if (write.Idempotency is { } completion)
        {
            // In the write's transaction: the response becomes replayable exactly when the write commits.
            Execute(CompleteIdempotencySql,
                ("$scope", completion.Scope), ("$key", completion.Key), ("$request_hash", completion.RequestHash),
                ("$status_code", completion.StatusCode), ("$response_body", completion.ResponseBody),
                ("$created_at", Micros.From(WrittenAt(write))), ("$expires_at", Micros.From(completion.ExpiresAt)));
        }
        return true;
    }

    /// <summary>When the write was made, by the clock of its caller (the store has none of its own).</summary>
    private static DateTimeOffset WrittenAt(StateWrite write) => write switch
    {
        ApprovalWrite approval => approval.State.UpdatedAt,
        WorkflowWrite workflow => workflow.State.UpdatedAt,
        var other => throw new NotSupportedException($"Unknown write type {other.GetType().Name}."),
    };

    private bool SaveApproval(ApprovalWrite write)
    {
        var s = write.State;
        (string, object?)[] values =
        [
            ("$id", s.Id), ("$status", WireNames.Of(s.Status)), ("$risk_level", WireNames.Of(s.RiskLevel)),
            ("$agent_id", s.AgentId), ("$workflow_id", s.WorkflowId), ("$updated_at", Micros.From(s.UpdatedAt)),
            ("$expires_at", Micros.From(s.ExpiresAt)), ("$version", s.Version), ("$chain_head", write.ChainHead),
            ("$state", ApprovalStateJson.Serialize(s)),
        ];
        return write.ExpectedVersion == 0
            ? Execute(InsertApprovalSql, [.. values, ("$tenant_id", s.TenantId), ("$requested_by", s.RequestedBy), ("$created_at", Micros.From(s.CreatedAt))]) == 1
            : Execute(UpdateApprovalSql, [.. values, ("$expected", write.ExpectedVersion)]) == 1;
    }

    private bool SaveWorkflow(WorkflowWrite write)
    {
        var s = write.State;
        (string, object?)[] values =
        [
            ("$id", s.Id), ("$status", WorkflowStateMachine.Wire(s.Status)), ("$name", s.Name),
            ("$updated_at", Micros.From(s.UpdatedAt)), ("$version", s.Version), ("$chain_head", write.ChainHead),
            ("$state", WorkflowStateJson.Serialize(s)),
            // What the start-up catch-up finds the run by (see SqliteDueWorkStore).
            ("$due_at", DueWork.WorkflowDueAt(s) is { } due ? Micros.From(due) : null),
        ];
        return write.ExpectedVersion == 0
            ? Execute(InsertWorkflowSql, [.. values, ("$tenant_id", s.TenantId), ("$created_at", Micros.From(s.CreatedAt))]) == 1
            : Execute(UpdateWorkflowSql, [.. values, ("$expected", write.ExpectedVersion)]) == 1;
    }

    private int Execute(string sql, params (string Name, object? Value)[] values)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            foreach (var (name, _) in values)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
            command.Prepare();
            _commands[sql] = command;
        }
        foreach (var (name, value) in values)
        {
            command.Parameters[name].Value = value ?? DBNull.Value;
        }
        return command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
    }
}
