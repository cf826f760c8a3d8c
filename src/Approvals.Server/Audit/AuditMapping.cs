using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Events;

namespace Approvals.Server.Audit;

/// <summary>Events of the log → the audit shapes of API.md.</summary>
public static class AuditMapping
{
    /// <summary>An event with where it came from and its hash-chain links.</summary>
    public static AuditEntryDto ToAuditEntry(this EventRecord e) =>
        new(e.Id, e.Seq, e.Type, e.TenantId, e.SubjectId, e.Actor, e.At, StoredJson.Parse(e.DataJson),
            e.Audit?.Ip, e.Audit?.UserAgent, e.Audit?.CorrelationId, e.PrevHash, e.Hash);
}
