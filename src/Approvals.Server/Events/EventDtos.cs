using System.Text.Json.Nodes;
using Approvals.Core.Events;
using Approvals.Core;

namespace Approvals.Server.Events;

/// <summary>An event on the wire, as API.md's "Events, webhooks, audit" section shapes it.</summary>
public sealed record EventDto(string Id, long Seq, string Type, string TenantId, string SubjectId, string Actor, DateTimeOffset At, JsonNode? Data)
{
    public static EventDto From(EventRecord e) =>
        new(e.Id, e.Seq, e.Type, e.TenantId, e.SubjectId, e.Actor, e.At, StoredJson.Parse(e.DataJson));
}
