using System.Text.Json.Nodes;

namespace Approvals.Core.Events;

/// <summary>
/// An event as a transition produces it; the runtime stamps id, time, tenant, subject and hash
/// when it becomes an <see cref="EventRecord"/>.
/// </summary>
/// <param name="Type">One of <see cref="Contracts.EventTypes"/>.</param>
/// <param name="Actor">The principal id that caused it (<c>system</c> for timers).</param>
/// <param name="Data">Event-specific payload.</param>
public sealed record NewEvent(string Type, string Actor, JsonObject Data);

/// <summary>An event of the append-only log.</summary>
/// <param name="Id">Globally unique, <c>evt_</c>-prefixed.</param>
/// <param name="Seq">Position in the log, assigned at append; 0 before.</param>
/// <param name="Type">The event type.</param>
/// <param name="TenantId">The tenant of the subject.</param>
/// <param name="SubjectId">The approval or workflow the event is about.</param>
/// <param name="Actor">Who caused it.</param>
/// <param name="At">When, truncated to microseconds so every backend stores it exactly.</param>
/// <param name="DataJson">The payload as canonical JSON text (sorted keys, compact).</param>
/// <param name="PrevHash">The hash of the subject's previous event, or null for its first.</param>
/// <param name="Hash">SHA-256 over the canonical content and <paramref name="PrevHash"/>.</param>
public sealed record EventRecord(
    string Id,
    long Seq,
    string Type,
    string TenantId,
    string SubjectId,
    string Actor,
    DateTimeOffset At,
    string DataJson,
    string? PrevHash,
    string Hash)
{
    /// <summary>
    /// Where the request that caused the event came from, or null for events no request caused
    /// (timers, dispatchers) and events written before this was recorded. Covered by the hash when present.
    /// </summary>
    public AuditContext? Audit { get; init; }
}

/// <summary>The origin of a request, kept on the events it caused for the audit trail.</summary>
/// <param name="Ip">The caller's remote IP address, if known.</param>
/// <param name="UserAgent">The request's <c>User-Agent</c>, if any.</param>
/// <param name="CorrelationId">The request's correlation id (<c>X-Correlation-Id</c>, or one generated for it).</param>
public sealed record AuditContext(string? Ip, string? UserAgent, string? CorrelationId);
