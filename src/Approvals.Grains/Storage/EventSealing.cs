using Approvals.Core;
using Approvals.Core.Events;
using Approvals.Grains.Abstractions;

namespace Approvals.Grains.Storage;

/// <summary>Turns a transition's new events into log records chained onto the subject's last hash.</summary>
internal static class EventSealing
{
    /// <summary>Stamps ids and time, adds the call's audit context (<see cref="CallAudit"/>), and links each event to the one before.</summary>
    public static List<EventRecord> SealAll(IReadOnlyList<NewEvent> events, string tenantId, string subjectId, DateTimeOffset now, string? chainHead)
    {
        var audit = CallAudit.Current is { } origin ? new AuditContext(origin.Ip, origin.UserAgent, origin.CorrelationId) : null;
        var sealedEvents = new List<EventRecord>(events.Count);
        foreach (var e in events)
        {
            var sealedEvent = EventHasher.Seal(Ids.New("evt", now), e, tenantId, subjectId, now, chainHead, audit);
            sealedEvents.Add(sealedEvent);
            chainHead = sealedEvent.Hash;
        }
        return sealedEvents;
    }
}
