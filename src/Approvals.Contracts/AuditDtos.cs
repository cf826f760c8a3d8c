using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Approvals.Contracts;

/// <summary>An audit entry: the event's wire shape plus where it came from and its hash-chain links.</summary>
public sealed record AuditEntryDto(
    string Id, long Seq, string Type, string TenantId, string SubjectId, string Actor, DateTimeOffset At, JsonNode? Data,
    string? Ip, string? UserAgent, string? CorrelationId, string? PrevHash, string Hash);

/// <summary>A page of audit entries, oldest first.</summary>
/// <param name="Data">The entries of this page.</param>
/// <param name="NextCursor">The <c>cursor</c> of the next page; null on the last one.</param>
public sealed record AuditListDto(IReadOnlyList<AuditEntryDto> Data, string? NextCursor);

/// <summary>The first broken link of a hash chain.</summary>
/// <param name="SubjectId">The approval or workflow whose chain breaks.</param>
/// <param name="EventId">The first event that does not follow from the one before.</param>
/// <param name="Reason">How it fails to.</param>
public sealed record BrokenLinkDto(string SubjectId, string EventId, string Reason);

/// <summary>The result of <c>GET /v1/audit/verify</c>.</summary>
/// <param name="Ok">True when every chain of the tenant is intact.</param>
/// <param name="Checked">How many events were checked.</param>
/// <param name="Broken">The first broken link; absent when <paramref name="Ok"/>.</param>
public sealed record VerifyDto(bool Ok, long Checked, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BrokenLinkDto? Broken);
