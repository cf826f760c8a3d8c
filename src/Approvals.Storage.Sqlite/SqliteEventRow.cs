using Approvals.Core.Events;

namespace Approvals.Storage.Sqlite;

/// <summary>An events row as Dapper reads it; the event log and the audit log select the same columns.</summary>
internal sealed record SqliteEventRow(long Seq, string Id, string Type, string Tenant_Id, string Subject_Id, string Actor, long At, string Data, string? Prev_Hash, string Hash,
    string? Ip, string? User_Agent, string? Correlation_Id)
{
    public const string Select = "SELECT seq, id, type, tenant_id, subject_id, actor, at, data, prev_hash, hash, ip, user_agent, correlation_id FROM events";

    // An event stored without any origin had none when sealed (its hash leaves the context out).
    public EventRecord ToRecord() => new(Id, Seq, Type, Tenant_Id, Subject_Id, Actor, Micros.To(At), Data, Prev_Hash, Hash)
    {
        Audit = Ip is null && User_Agent is null && Correlation_Id is null ? null : new AuditContext(Ip, User_Agent, Correlation_Id),
    };
}
