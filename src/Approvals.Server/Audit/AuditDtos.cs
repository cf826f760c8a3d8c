using System.Text.Json.Nodes;
using Approvals.Core.Events;
using Approvals.Core;

namespace Approvals.Server.Audit;

/// <summary>An audit entry: the event's wire shape plus where it came from and its hash-chain links.</summary>
public sealed record AuditEntryDto(
    string Id, long Seq, string Type, string TenantId, string SubjectId, string Actor, DateTimeOffset At, JsonNode? Data,
    string? Ip, string? UserAgent, string? CorrelationId, string? PrevHash, string Hash)
{
    public static AuditEntryDto From(EventRecord e) =>
        new(e.Id, e.Seq, e.Type, e.TenantId, e.SubjectId, e.Actor, e.At, StoredJson.Parse(e.DataJson),
            e.Audit?.Ip, e.Audit?.UserAgent, e.Audit?.CorrelationId, e.PrevHash, e.Hash);
}

/// <summary>A page of audit entries, oldest first.</summary>
public sealed record AuditListDto(IReadOnlyList<AuditEntryDto> Data, string? NextCursor);

/// <summary>The first broken link of a hash chain.</summary>
public sealed record BrokenLinkDto(string SubjectId, string EventId, string Reason);

/// <summary>The result of <c>GET /v1/audit/verify</c>.</summary>
public sealed record VerifyDto(bool Ok, long Checked, [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] BrokenLinkDto? Broken);
