using Approvals.Core.Events;

namespace Approvals.Core.Storage;

/// <summary>
/// A filter over one tenant's events. Every filter is optional except the tenant; <see cref="AfterSeq"/>
/// is the cursor (the <see cref="EventRecord.Seq"/> of the last event of the previous page).
/// </summary>
public sealed record AuditQuery(string TenantId)
{
    /// <summary>Only events about this approval or workflow.</summary>
    public string? SubjectId { get; init; }

    /// <summary>Only events caused by this principal id.</summary>
    public string? Actor { get; init; }

    /// <summary>Only events of this exact type.</summary>
    public string? Type { get; init; }

    /// <summary>Only events at or after this time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Only events before this time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Only events with a sequence number above this one.</summary>
    public long AfterSeq { get; init; }

    /// <summary>The most events in one page.</summary>
    public int Limit { get; init; } = 50;
}

/// <summary>A page of audit events, oldest first, and the cursor of the next page (null on the last).</summary>
public sealed record AuditPage(IReadOnlyList<EventRecord> Items, long? NextAfterSeq);

/// <summary>
/// The audit side of the event log: one tenant's events, filtered, in log order. Pages run oldest
/// first (ascending sequence number) so a cursor is a plain sequence number, an export or a chain
/// walk pages the same way, and, as with <see cref="IEventLog.ReadAfterAsync"/>, no event that commits
/// late with a lower sequence number is skipped by a reader that moves its cursor forward.
/// </summary>
public interface IAuditLog
{
    /// <summary>A page of events of <see cref="AuditQuery.TenantId"/> matching <paramref name="query"/>, oldest first.</summary>
    Task<AuditPage> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>The sequence number of event <paramref name="eventId"/> of tenant <paramref name="tenantId"/>, or null when there is none.</summary>
    Task<long?> FindEventSeqAsync(string tenantId, string eventId, CancellationToken cancellationToken);

    /// <summary>
    /// The highest sequence number in the log (every tenant), or 0 when it is empty: where a reader that
    /// wants only what commits from now on starts.
    /// </summary>
    Task<long> LatestSeqAsync(CancellationToken cancellationToken);
}

/// <summary>What <see cref="AuditVerifier"/> found: how many events it checked and the first broken link, if any.</summary>
/// <param name="Checked">Events whose hash and link were checked.</param>
/// <param name="Broken">The first event, in log order, whose hash or link is wrong; null when the chains hold.</param>
public sealed record AuditVerification(long Checked, BrokenLink? Broken);

/// <summary>A broken link of a subject's hash chain.</summary>
/// <param name="SubjectId">The approval or workflow whose chain is broken.</param>
/// <param name="EventId">The first event of that chain that does not verify.</param>
/// <param name="Reason"><c>hash_mismatch</c> (its content changed) or <c>prev_hash_mismatch</c> (an event before it changed or went missing).</param>
public sealed record BrokenLink(string SubjectId, string EventId, string Reason);

/// <summary>Walks a tenant's per-subject hash chains in log order.</summary>
public static class AuditVerifier
{
    /// <summary>A stored hash differs from the hash recomputed from the event's content.</summary>
    public const string HashMismatch = "hash_mismatch";

    /// <summary>An event does not link to the hash of its subject's previous event.</summary>
    public const string PrevHashMismatch = "prev_hash_mismatch";

    /// <summary>
    /// Recomputes every event's hash and checks its link to the previous event of its subject.
    /// Memory grows with the number of subjects (one hash each), not the number of events.
    /// </summary>
    public static async Task<AuditVerification> VerifyAsync(IAuditLog log, string tenantId, int pageSize, CancellationToken cancellationToken)
    {
        var heads = new Dictionary<string, string>(StringComparer.Ordinal);
        long count = 0;
        long after = 0;
        while (true)
        {
            var page = await log.QueryAuditAsync(new AuditQuery(tenantId) { AfterSeq = after, Limit = pageSize }, cancellationToken);
            foreach (var e in page.Items)
            {
                count++;
                heads.TryGetValue(e.SubjectId, out var previous);
                if (!string.Equals(EventHasher.ComputeHash(e), e.Hash, StringComparison.Ordinal))
                {
                    return new AuditVerification(count, new BrokenLink(e.SubjectId, e.Id, HashMismatch));
                }
                if (!string.Equals(previous, e.PrevHash, StringComparison.Ordinal))
                {
                    return new AuditVerification(count, new BrokenLink(e.SubjectId, e.Id, PrevHashMismatch));
                }
                heads[e.SubjectId] = e.Hash;
            }
            if (page.NextAfterSeq is not { } next)
            {
                return new AuditVerification(count, null);
            }
            after = next;
        }
    }
}
