using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Approvals.Grains;
using Approvals.Grains.Operations;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Microsoft.AspNetCore.Mvc;

namespace Approvals.Server.Approvals;

/// <summary>The "Approval requests" section of API.md.</summary>
public static class ApprovalsApi
{
    private const int MaxWaitSeconds = 60;

    // One wait inside the grain lasts at most this: well within Orleans' response timeout.
    private static readonly TimeSpan MaxWaitSlice = TimeSpan.FromSeconds(20);

    public static RouteGroupBuilder MapApprovalsApi(this IEndpointRouteBuilder routes)
    {
        // Every call checks the caller's role or scope (403).
        var group = routes.MapGroup("/v1/approvals").WithTags("Approvals").RequireAuthorization().ProducesProblems(StatusCodes.Status403Forbidden);

        // A command on an approval can find it missing (404), decided (409), at another version (412) or
        // losing write races until it gives up (503, safe to retry).
        int[] commandProblems = [StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status412PreconditionFailed, StatusCodes.Status503ServiceUnavailable];
        group.MapPost("", CreateAsync).Accepts<CreateApprovalRequest>("application/json").Produces<ApprovalDto>(StatusCodes.Status201Created)
            .ProducesProblems(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("", ListAsync).Produces<ApprovalListDto>();
        group.MapGet("/count", CountAsync).Produces<Dictionary<string, long>>();
        group.MapPost("/bulk-approve", (HttpContext http, IGrainFactory grains, CancellationToken ct) => BulkAsync(http, grains, DecisionKind.Approve, ct))
            .Accepts<BulkBody>("application/json").Produces<BulkResponseDto>();
        group.MapPost("/bulk-reject", (HttpContext http, IGrainFactory grains, CancellationToken ct) => BulkAsync(http, grains, DecisionKind.Reject, ct))
            .Accepts<BulkBody>("application/json").Produces<BulkResponseDto>();
        group.MapGet("/{id}", GetAsync).Produces<ApprovalDto>().ProducesProblems(StatusCodes.Status404NotFound);
        group.MapGet("/{id}/status", StatusAsync).Produces<ApprovalStatusDto>().ProducesProblems(StatusCodes.Status404NotFound);
        group.MapPost("/{id}/approve", ApproveAsync).Accepts<ApproveBody>("application/json").Produces<ApprovalDto>().ProducesProblems(commandProblems);
        group.MapPost("/{id}/reject", RejectAsync).Accepts<ReasonBody>("application/json").Produces<ApprovalDto>().ProducesProblems(commandProblems);
        group.MapPost("/{id}/cancel", CancelAsync).Accepts<ReasonBody>("application/json").Produces<ApprovalDto>().ProducesProblems(commandProblems);
        group.MapPost("/{id}/extend", ExtendAsync).Accepts<ExtendBody>("application/json").Produces<ApprovalDto>().ProducesProblems(commandProblems);
        return group;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, IGrainFactory grains, TimeProvider clock, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<CreateApprovalRequest>(http.Request, required: true, ct);
        if (!body.IsSuccess)
        {
            return Problems.Result(body.Error!);
        }
        // The gateway names the new request: its grain is the one that files it.
        var id = Ids.New("apr", clock.GetUtcNow());
        // Nothing can be stored under an id minted just now: the grain need not look (see NewGrain).
        return await NewGrain.CreateAsync(GrainKeys.Approval(http.Caller().TenantId, id),
            () => CommandAsync(http, grains, id, new ApprovalCall.Create(body.Value!), null, StatusCodes.Status201Created));
    }

    private static async Task<IResult> ApproveAsync(string id, [FromHeader(Name = ETags.IfMatchHeader), Description(ETags.IfMatchDescription)] string? ifMatch,
        HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<ApproveBody>(http.Request, required: false, ct);
        return body.IsSuccess
            ? await CommandAsync(http, grains, id, new ApprovalCall.Approve(body.Value!.Note), ifMatch, StatusCodes.Status200OK)
            : Problems.Result(body.Error!);
    }

    private static async Task<IResult> RejectAsync(string id, [FromHeader(Name = ETags.IfMatchHeader), Description(ETags.IfMatchDescription)] string? ifMatch,
        HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<ReasonBody>(http.Request, required: false, ct);
        return body.IsSuccess
            ? await CommandAsync(http, grains, id, new ApprovalCall.Reject(body.Value!.Reason ?? body.Value.Note), ifMatch, StatusCodes.Status200OK)
            : Problems.Result(body.Error!);
    }

    private static async Task<IResult> CancelAsync(string id, [FromHeader(Name = ETags.IfMatchHeader), Description(ETags.IfMatchDescription)] string? ifMatch,
        HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<ReasonBody>(http.Request, required: false, ct);
        return body.IsSuccess
            ? await CommandAsync(http, grains, id, new ApprovalCall.Cancel(body.Value!.Reason ?? body.Value.Note), ifMatch, StatusCodes.Status200OK)
            : Problems.Result(body.Error!);
    }

    private static async Task<IResult> ExtendAsync(string id, [FromHeader(Name = ETags.IfMatchHeader), Description(ETags.IfMatchDescription)] string? ifMatch,
        HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<ExtendBody>(http.Request, required: true, ct);
        if (!body.IsSuccess)
        {
            return Problems.Result(body.Error!);
        }
        if (body.Value!.ExpiresAt is not { } expiresAt)
        {
            return Problems.Result(Problems.Validation("expires_at", "expires_at is required."));
        }
        return await CommandAsync(http, grains, id, new ApprovalCall.Extend(expiresAt), ifMatch, StatusCodes.Status200OK);
    }

    /// <summary>
    /// Runs one call on an approval's grain: at the version <paramref name="ifMatch"/> names (if any), and
    /// with the reply stored with the state change when the request carries an Idempotency-Key.
    /// </summary>
    internal static async Task<IResult> CommandAsync(HttpContext http, IGrainFactory grains, string id, ApprovalCall call,
        string? ifMatch, int successStatus)
    {
        var version = ETags.ParseIfMatch(ifMatch);
        if (!version.IsSuccess)
        {
            return Problems.Result(version.Error!);
        }
        var caller = http.Caller();
        if (grains.Approval(caller, id) is not { } grain)
        {
            return Problems.Result(DomainError.NotFound(id));
        }
        var idempotency = http.Features.Get<IdempotencyFeature>();
        var reply = await grain.ExecuteAsync(caller.ToCaller(), call, new CallOptions(version.Value, idempotency?.Ticket(successStatus)));
        if (reply.Approval is not { } approval)
        {
            return Problems.Result(reply.Error!.ToDomainError());
        }
        idempotency?.MarkStoredWithStateChange();
        return ApprovalViews.Reply(approval, successStatus).ToResult();
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, IGrainFactory grains)
    {
        var result = await ApprovalOperations.GetAsync(grains, http.Caller(), id);
        return result.IsSuccess ? ApprovalViews.Reply(result.Value!).ToResult() : Problems.Result(result.Error!);
    }

    private static async Task<IResult> StatusAsync(string id,
        [FromQuery(Name = "wait"), Description("Seconds (0–60) to hold a pending request until it changes."), RegularExpression("^[0-9]+$")] string? wait,
        HttpContext http, IGrainFactory grains, TimeProvider clock)
    {
        var caller = http.Caller();
        if (ReadAccess.CheckApprovals(caller) is { } refused)
        {
            return Problems.Result(refused);
        }
        var waitSeconds = 0;
        if (wait is { Length: > 0 } && (!int.TryParse(wait, NumberStyles.None, CultureInfo.InvariantCulture, out waitSeconds) || waitSeconds > MaxWaitSeconds))
        {
            return Problems.Result(Problems.Validation("wait", $"wait must be a whole number of seconds from 0 to {MaxWaitSeconds}."));
        }
        if (grains.Approval(caller, id) is not { } grain)
        {
            return Problems.Result(DomainError.NotFound(id));
        }
        var result = (await grain.GetAsync(caller.ToCaller())).ToResult();
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(waitSeconds);
        // Held inside the grain (an interleaved call its next commit wakes), on whichever node it lives, in
        // slices shorter than Orleans' response timeout (30 s): a grain call never outlives it.
        while (result is { IsSuccess: true, Value: { Status: "pending" } pending } && deadline - clock.GetUtcNow() is { } remaining && remaining > TimeSpan.Zero)
        {
            result = (await grain.WaitForChangeAsync(caller.ToCaller(), pending.Version, remaining < MaxWaitSlice ? remaining : MaxWaitSlice)).ToResult();
            if (result is { IsSuccess: true, Value.Version: var version } && version != pending.Version)
            {
                break;
            }
        }
        if (!result.IsSuccess)
        {
            return Problems.Result(result.Error!);
        }
        return StoredResponse.Json(StatusCodes.Status200OK, result.Value!.ToStatusDto(), ("ETag", ETags.Format(result.Value!.Version))).ToResult();
    }

    private static async Task<IResult> ListAsync([AsParameters] ApprovalListParameters parameters, HttpContext http, IApprovalQueries queries, CancellationToken ct)
    {
        var page = await ApprovalOperations.ListAsync(queries, http.Caller(), parameters.Get, ct);
        return page.IsSuccess ? StoredResponse.Json(StatusCodes.Status200OK, page.Value!).ToResult() : Problems.Result(page.Error!);
    }

    private static async Task<IResult> CountAsync(
        [FromQuery(Name = "status"), Description("Count only this status; without it, a count per status."), AllowedValues("pending", "approved", "rejected", "expired", "cancelled")] string? status,
        HttpContext http, IApprovalQueries queries, CancellationToken ct)
    {
        var counts = await ApprovalOperations.CountAsync(queries, http.Caller(), status, ct);
        return counts.IsSuccess ? StoredResponse.Json(StatusCodes.Status200OK, counts.Value!).ToResult() : Problems.Result(counts.Error!);
    }

    private static async Task<IResult> BulkAsync(HttpContext http, IGrainFactory grains, DecisionKind decision, CancellationToken ct)
    {
        var caller = http.Caller();
        if (ApprovalOperations.RefuseBulk(caller) is { } refused)
        {
            return Problems.Result(refused);
        }
        var body = await JsonBody.ReadAsync<BulkBody>(http.Request, required: true, ct);
        if (!body.IsSuccess)
        {
            return Problems.Result(body.Error!);
        }
        var ids = body.Value!.Ids;
        if (ApprovalOperations.CheckBulkIds(ids) is { } badIds)
        {
            return Problems.Result(badIds);
        }
        var call = ApprovalOperations.Decision(decision, body.Value.Note ?? body.Value.Reason);
        var dto = new BulkResponseDto(await ApprovalOperations.DecideEachAsync(grains, caller, ids!, call));
        return StoredResponse.Json(StatusCodes.Status200OK, dto).ToResult();
    }
}

/// <summary>
/// The query of <c>GET /v1/approvals</c>. Every value is bound as text so that a bad one is a 400 naming
/// it (<see cref="ListQueries.ParseApprovals"/>), never a binding failure; the attributes describe them for the OpenAPI document.
/// </summary>
public sealed record ApprovalListParameters(
    [property: FromQuery(Name = "status"), Description("Only requests in this status."), AllowedValues("pending", "approved", "rejected", "expired", "cancelled")] string? Status,
    [property: FromQuery(Name = "risk_level"), Description("Only requests of this risk level."), AllowedValues("low", "medium", "high", "critical")] string? RiskLevel,
    [property: FromQuery(Name = "agent_id"), Description("Only requests filed for this agent.")] string? AgentId,
    [property: FromQuery(Name = "requested_by"), Description("Only requests filed by this principal id.")] string? RequestedBy,
    [property: FromQuery(Name = "workflow_id"), Description("Only requests of this workflow.")] string? WorkflowId,
    [property: FromQuery(Name = "created_after"), Description("Only requests created after this ISO 8601 time.")] string? CreatedAfter,
    [property: FromQuery(Name = "created_before"), Description("Only requests created before this ISO 8601 time.")] string? CreatedBefore,
    [property: FromQuery(Name = "limit"), Description("Page size, 1–100 (default 20)."), RegularExpression("^[0-9]+$")] string? Limit,
    [property: FromQuery(Name = "cursor"), Description("The next_cursor of the previous page.")] string? Cursor)
{
    /// <summary>A value by its query name.</summary>
    public string? Get(string name) => name switch
    {
        "status" => Status,
        "risk_level" => RiskLevel,
        "agent_id" => AgentId,
        "requested_by" => RequestedBy,
        "workflow_id" => WorkflowId,
        "created_after" => CreatedAfter,
        "created_before" => CreatedBefore,
        "limit" => Limit,
        "cursor" => Cursor,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a parameter of this query."),
    };
}
