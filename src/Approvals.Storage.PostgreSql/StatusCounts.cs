using Npgsql;
using NpgsqlTypes;

namespace Approvals.Storage.PostgreSql;

/// <summary>
/// The net change of one batch to the per-tenant status counters, applied as one statement.
/// </summary>
/// <remarks>
/// Counters are kept by <see cref="PostgresStateStore.SaveAsync"/> rather than by a trigger: a trigger
/// would lock counter rows statement by statement in the order of approval ids, and two batches
/// touching two tenants in opposite orders would deadlock. One sorted statement per batch cannot.
/// </remarks>
internal sealed class StatusCounts
{
    private readonly Dictionary<(string Tenant, string Status), long> _deltas = [];

    public bool HasChanges => _deltas.Values.Any(n => n != 0);

    /// <summary>An approval moved from (<paramref name="oldTenant"/>, <paramref name="oldStatus"/>), or from nowhere when null.</summary>
    public void Move(string? oldTenant, string? oldStatus, string newTenant, string newStatus)
    {
        if (oldTenant is not null && oldStatus is not null)
        {
            if (oldTenant == newTenant && oldStatus == newStatus)
            {
                return;
            }
            Add(oldTenant, oldStatus, -1);
        }
        Add(newTenant, newStatus, +1);
    }

    private void Add(string tenant, string status, long delta) =>
        _deltas[(tenant, status)] = _deltas.GetValueOrDefault((tenant, status)) + delta;

    public NpgsqlBatchCommand ToCommand()
    {
        var changes = _deltas.Where(d => d.Value != 0).ToList();
        // ORDER BY: rows are locked in the order the SELECT yields them, the same in every transaction.
        var command = new NpgsqlBatchCommand(
            """
            INSERT INTO approval_counts (tenant_id, status, n)
            SELECT tenant_id, status, n FROM unnest(@tenants, @statuses, @deltas) AS d(tenant_id, status, n)
            ORDER BY tenant_id, status
            ON CONFLICT (tenant_id, status) DO UPDATE SET n = approval_counts.n + excluded.n;
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]>("tenants", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. changes.Select(c => c.Key.Tenant)] });
        command.Parameters.Add(new NpgsqlParameter<string[]>("statuses", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. changes.Select(c => c.Key.Status)] });
        command.Parameters.Add(new NpgsqlParameter<long[]>("deltas", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. changes.Select(c => c.Value)] });
        return command;
    }
}
