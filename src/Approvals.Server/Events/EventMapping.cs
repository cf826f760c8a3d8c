using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Events;

namespace Approvals.Server.Events;

/// <summary>Events of the log → the event shape of API.md's "Events, webhooks, audit" section.</summary>
public static class EventMapping
{
    /// <summary>The event on the wire (its data is always a JSON object, as every event is written with one).</summary>
    public static EventDto ToDto(this EventRecord e) =>
        new(e.Id, e.Seq, e.Type, e.TenantId, e.SubjectId, e.Actor, e.At, StoredJson.Parse(e.DataJson) as JsonObject ?? []);
}
