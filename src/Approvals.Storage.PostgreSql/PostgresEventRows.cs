using Approvals.Core.Events;
using Npgsql;

namespace Approvals.Storage.PostgreSql;

/// <summary>The events columns and how a row becomes an <see cref="EventRecord"/>; the event log and the audit log read them alike.</summary>
internal static class PostgresEventRows
{
    public const string Select =
        "SELECT seq, id, type, tenant_id, subject_id, actor, at, data, prev_hash, hash, ip, user_agent, correlation_id FROM events";

    /// <summary>Runs <paramref name="command"/>, a <see cref="Select"/> with its filter, and reads every row.</summary>
    public static async Task<IReadOnlyList<EventRecord>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
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
}
