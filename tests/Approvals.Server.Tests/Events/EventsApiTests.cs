using System.Net;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Support;

namespace Approvals.Server.Tests.Events;

/// <summary>
/// The live event stream and the audit calls of API.md over HTTP, through the real program, written once
/// and subclassed per storage backend. Each test works in a tenant of its own, so the tests share the
/// backend's one server. Asynchronous arrivals are awaited with deadlines, never by sleeping.
/// </summary>
public abstract partial class EventsApiTests<TServer> : ServerTests<TServer> where TServer : ServerFixture
{
    /// <summary>How long a test waits for something that should come within a moment.</summary>
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    protected EventsApiTests(TServer server)
        : base(server)
    {
        Requester = Person("rita", "Rita Requester", "requester");
        Reviewer = Person("bob", "Bob Reviewer", "reviewer");
        Viewer = Person("vic", "Vic Viewer", "viewer");
        Admin = Person("ada", "Ada Admin", "admin");
        Outsider = new Caller("rita", "Rita Elsewhere", $"other_{Tenant}", ["requester", "admin"]);
    }

    protected Caller Requester { get; }

    protected Caller Reviewer { get; }

    protected Caller Viewer { get; }

    protected Caller Admin { get; }

    /// <summary>Someone of another tenant.</summary>
    protected Caller Outsider { get; }

    /// <summary>Files a low-risk approval and returns its id.</summary>
    protected async Task<string> CreateApprovalAsync(Caller by, string title = "Deploy", params (string Name, string Value)[] headers)
    {
        var reply = await Api.PostAsync("/v1/approvals", by, new JsonObject { ["title"] = title, ["risk_score"] = 10 }, headers);
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return reply.Json["id"]!.GetValue<string>();
    }

    protected async Task CancelAsync(Caller by, string id)
    {
        var reply = await Api.PostAsync($"/v1/approvals/{id}/cancel", by, new JsonObject { ["reason"] = "no longer needed" });
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
    }

    /// <summary>Every audit entry of the caller's tenant matching <paramref name="query"/>, through the cursor.</summary>
    protected async Task<List<JsonObject>> AuditAsync(Caller admin, string query = "", int limit = 100)
    {
        var entries = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var separator = query.Length > 0 ? "&" : "";
            var reply = await Api.GetAsync($"/v1/audit?{query}{separator}limit={limit}" + (cursor is null ? "" : $"&cursor={cursor}"), admin);
            Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
            entries.AddRange(reply.Json["data"]!.AsArray().Select(e => e!.AsObject()));
            cursor = reply.Json["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return entries;
    }

    protected static IEnumerable<string> Ids(IEnumerable<JsonObject> entries) => entries.Select(e => e["id"]!.GetValue<string>());

    protected static IEnumerable<string> Ids(IEnumerable<SseEvent> events) => events.Select(e => e.Id!);
}
