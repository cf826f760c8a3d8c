using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Core.Events;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Approvals.Contracts;

namespace Approvals.Server.Events;

/// <summary>The live event stream of API.md (<c>GET /v1/events</c>, Server-Sent Events).</summary>
public static class EventsApi
{
    public static RouteGroupBuilder MapEventsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/events").WithTags("Events").RequireAuthorization();
        group.MapGet("", StreamAsync).Produces<string>(StatusCodes.Status200OK, "text/event-stream").ProducesProblems(StatusCodes.Status403Forbidden);
        return group;
    }

    /// <summary>
    /// Streams the caller's tenant's events, oldest first, each as <c>id: &lt;event id&gt;</c> and one
    /// <c>data:</c> line of event JSON (no <c>event:</c> line, so a browser's <c>onmessage</c> gets every
    /// type). Without <c>Last-Event-ID</c> the stream starts at the end of the log; with it, right after
    /// that event. The log is the source of truth: a wake-up (this node's commits, other nodes' notices)
    /// only says when to read it again.
    /// </summary>
    internal static async Task<IResult> StreamAsync(
        [FromQuery(Name = "types"), Description("Event types to send, comma-separated or repeated; * matches any run of characters (approval.*).")] string[]? types,
        [FromHeader(Name = "Last-Event-ID"), Description("Resume right after this event (the id of the last one received).")] string? lastEventIdHeader,
        [FromQuery(Name = "last_event_id"), Description("As Last-Event-ID, for clients that cannot set headers.")] string? lastEventIdQuery,
        HttpContext http, IAuditLog log, EventLogSignal signal, IOptions<EventStreamOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!MaySubscribe(caller))
        {
            return Problems.Result(Problems.Forbidden("Subscribing to events needs a role or the events:read scope."));
        }
        var filter = EventTypeFilter.Parse(types ?? []);
        if (filter is null)
        {
            return Problems.Result(Problems.Validation("types", "types must be comma-separated event types, where * matches any run of characters."));
        }
        long after;
        var lastEventId = lastEventIdHeader is { Length: > 0 } header ? header : lastEventIdQuery ?? "";
        if (lastEventId.Length > 0)
        {
            // An id we do not know (mistyped, or another tenant's) is refused rather than taken as "from the
            // beginning" (a flood) or "from now" (a silent gap): the client must choose.
            if (await log.FindEventSeqAsync(caller.TenantId, lastEventId.Trim(), ct) is not { } seq)
            {
                return Problems.Result(Problems.Validation("Last-Event-ID", "Last-Event-ID names no event of this tenant."));
            }
            after = seq;
        }
        else
        {
            after = await log.LatestSeqAsync(ct);
        }

        var settings = options.Value;
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        try
        {
            await response.WriteAsync(": connected\n\n", ct);
            await response.Body.FlushAsync(ct);
            var nextPing = clock.GetUtcNow() + settings.PingInterval;
            while (!ct.IsCancellationRequested)
            {
                // Taken before the read: a commit between the read and the wait still ends the wait.
                var moved = signal.Moved;
                after = await SendNewEventsAsync(response, log, caller.TenantId, filter, after, settings.PageSize, ct);

                var now = clock.GetUtcNow();
                if (now >= nextPing)
                {
                    await response.WriteAsync(": ping\n\n", ct);
                    await response.Body.FlushAsync(ct);
                    nextPing = now + settings.PingInterval;
                }
                var untilPing = nextPing - now;
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                await Task.WhenAny(moved, Task.Delay(untilPing < settings.FallbackInterval ? untilPing : settings.FallbackInterval, clock, wait.Token));
                await wait.CancelAsync();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
        return Results.Empty;
    }

    /// <summary>Reads the tenant's log after <paramref name="after"/> to its end, sends what matches, and returns the new position.</summary>
    private static async Task<long> SendNewEventsAsync(HttpResponse response, IAuditLog log, string tenantId, EventTypeFilter filter, long after,
        int pageSize, CancellationToken ct)
    {
        while (true)
        {
            // Tenant-scoped reads in seq order never pass over a late commit (the IAuditLog contract).
            var page = await log.QueryAuditAsync(new AuditQuery(tenantId) { AfterSeq = after, Limit = pageSize }, ct);
            if (page.Items.Count == 0)
            {
                return after;
            }
            var frames = new StringBuilder();
            foreach (var e in page.Items)
            {
                if (filter.Matches(e.Type))
                {
                    frames.Append("id: ").Append(e.Id).Append('\n')
                        .Append("data: ").Append(JsonSerializer.Serialize(e.ToDto(), WireJson.Options)).Append("\n\n");
                }
                after = e.Seq;
            }
            if (frames.Length > 0)
            {
                await response.WriteAsync(frames.ToString(), ct);
                await response.Body.FlushAsync(ct);
            }
            if (page.NextAfterSeq is null)
            {
                return after;
            }
        }
    }

    private static bool MaySubscribe(Principal caller) => caller.Kind switch
    {
        PrincipalKind.Person => caller.Roles.Count > 0,
        PrincipalKind.ApiKey => caller.Scopes.Contains(Scopes.EventsRead) || caller.Scopes.Contains(Scopes.Admin),
        _ => false,
    };
}
