using Approvals.Core;
using Approvals.Core.Events;

namespace Approvals.Runtime.Actors;

/// <summary>Turns a transition's new events into log records chained onto the subject's last hash.</summary>
internal static class EventSealing
{
    /// <summary>Stamps ids and time, adds the caller's audit context, and links each event to the one before.</summary>
    public static List<EventRecord> SealAll(IReadOnlyList<NewEvent> events, string tenantId, string subjectId, DateTimeOffset now, string? chainHead)
    {
        var sealedEvents = new List<EventRecord>(events.Count);
        foreach (var e in events)
        {
            var sealedEvent = EventHasher.Seal(Ids.New("evt", now), e, tenantId, subjectId, now, chainHead, Events.RequestAudit.Current);
            sealedEvents.Add(sealedEvent);
            chainHead = sealedEvent.Hash;
        }
        return sealedEvents;
    }
}
