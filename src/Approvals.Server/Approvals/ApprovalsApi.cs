using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Runtime.Approvals;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Microsoft.AspNetCore.Mvc;

namespace Approvals.Server.Approvals;

/// <summary>The "Approval requests" section of API.md.</summary>
public static class ApprovalsApi
{
    private const int MaxWaitSeconds = 60;
    private const int MaxLimit = 100;

    // Long-polls re-read storage at least this often, in case a change notice was missed.
    private static readonly TimeSpan WaitFallback = TimeSpan.FromSeconds(1);

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
        group.MapPost("/bulk-approve", (HttpContext http, ApprovalService approvals, CancellationToken ct) => BulkAsync(http, approvals, DecisionKind.Approve, ct))
            .Accepts<BulkBody>("application/json").Produces<BulkResponseDto>();
        group.MapPost("/bulk-reject", (HttpContext http, ApprovalService approvals, CancellationToken ct) => BulkAsync(http, approvals, DecisionKind.Reject, ct))
            .Accepts<BulkBody>("application/json").Produces<BulkResponseDto>();
        group.MapGet("/{id}", GetAsync).Produces<ApprovalDto>().ProducesProblems(StatusCodes.Status404NotFound);
        group.MapGet("/{id}/status", StatusAsync).Produces<ApprovalStatusDto>().ProducesProblems(StatusCodes.Status404NotFound);
        group.MapPost("/{id}/approve", ApproveAsync).Accepts<ApproveBody>("application/json").Produces<ApprovalDto>().ProducesProblems(commandProblems);
        group.MapPost("/{id}/reject", RejectAsync).Accepts<ReasonBody>("application/json").Produces<ApprovalDto>().ProducesProblems(commandProblems);
        group.MapPost("/{id}/cancel", CancelAsync).Accepts<ReasonBody>("application/json").Produces<ApprovalDto>().ProducesProblems(commandProblems);
        group.MapPost("/{id}/extend", ExtendAsync).Accepts<ExtendBody>("application/json").Produces<ApprovalDto>().ProducesProblems(commandProblems);
        return group;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, ApprovalService approvals, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<CreateApprovalRequest>(http.Request, required: true, ct);
        if (!body.IsSuccess)
        {
            return Problems.Result(body.Error!);
        }
        var id = approvals.NewId();
        return await CommandAsync(http, approvals, id, new ApprovalCommand.Create(id, body.Value!, http.Caller()), null, StatusCodes.Status201Created, ct);
    }

    private static async Task<IResult> ApproveAsync(string id, [FromHeader(Name = ETags.IfMatchHeader), Description(ETags.IfMatchDescription)] string? ifMatch,
        HttpContext http, ApprovalService approvals, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<ApproveBody>(http.Request, required: false, ct);
        return body.IsSuccess
            ? await CommandAsync(http, approvals, id, new ApprovalCommand.Approve(http.Caller(), body.Value!.Note), ifMatch, StatusCodes.Status200OK, ct)
            : Problems.Result(body.Error!);
    }

    private static async Task<IResult> RejectAsync(string id, [FromHeader(Name = ETags.IfMatchHeader), Description(ETags.IfMatchDescription)] string? ifMatch,
        HttpContext http, ApprovalService approvals, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<ReasonBody>(http.Request, required: false, ct);
        return body.IsSuccess
            ? await CommandAsync(http, approvals, id, new ApprovalCommand.Reject(http.Caller(), body.Value!.Reason ?? body.Value.Note), ifMatch, StatusCodes.Status200OK, ct)
            : Problems.Result(body.Error!);
    }

    private static async Task<IResult> CancelAsync(string id, [FromHeader(Name = ETags.IfMatchHeader), Description(ETags.IfMatchDescription)] string? ifMatch,
        HttpContext http, ApprovalService approvals, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<ReasonBody>(http.Request, required: false, ct);
        return body.IsSuccess
            ? await CommandAsync(http, approvals, id, new ApprovalCommand.Cancel(http.Caller(), body.Value!.Reason ?? body.Value.Note), ifMatch, StatusCodes.Status200OK, ct)
            : Problems.Result(body.Error!);
    }

    private static async Task<IResult> ExtendAsync(string id, [FromHeader(Name = ETags.IfMatchHeader), Description(ETags.IfMatchDescription)] string? ifMatch,
        HttpContext http, ApprovalService approvals, CancellationToken ct)
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
        return await CommandAsync(http, approvals, id, new ApprovalCommand.Extend(http.Caller(), expiresAt), ifMatch, StatusCodes.Status200OK, ct);
    }

    /// <summary>
    /// Runs one command on an approval's actor: at the version <paramref name="ifMatch"/> names (if any),
    /// and with the response stored with the state change when the request carries an Idempotency-Key.
    /// </summary>
    private static async Task<IResult> CommandAsync(HttpContext http, ApprovalService approvals, string id, ApprovalCommand command,
        string? ifMatch, int successStatus, CancellationToken ct)
    {
        var version = ETags.ParseIfMatch(ifMatch);
        if (!version.IsSuccess)
        {
            return Problems.Result(version.Error!);
        }
        var idempotency = http.Features.Get<IdempotencyFeature>();
        var options = new CommandOptions(version.Value, idempotency?.ForCommand<ApprovalState>(state => ApprovalMapping.Response(state, successStatus)));
        var result = await approvals.SendAsync(id, command, options, ct);
        if (!result.IsSuccess)
        {
            return Problems.Result(result.Error!);
        }
        idempotency?.MarkStoredWithStateChange();
        return ApprovalMapping.Response(result.Value!, successStatus).ToResult();
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, ApprovalService approvals, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!MayRead(caller))
        {
            return Problems.Result(Problems.Forbidden("Reading approvals needs a role or the approvals:read scope."));
        }
        var result = await approvals.GetAsync(id, caller, ct);
        return result.IsSuccess ? ApprovalMapping.Response(result.Value!).ToResult() : Problems.Result(result.Error!);
    }

    private static async Task<IResult> StatusAsync(string id,
        [FromQuery(Name = "wait"), Description("Seconds (0–60) to hold a pending request until it changes."), RegularExpression("^[0-9]+$")] string? wait,
        HttpContext http, ApprovalService approvals, ApprovalChanges changes, TimeProvider clock, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!MayRead(caller))
        {
            return Problems.Result(Problems.Forbidden("Reading approvals needs a role or the approvals:read scope."));
        }
        var waitSeconds = 0;
        if (wait is { Length: > 0 } && (!int.TryParse(wait, NumberStyles.None, CultureInfo.InvariantCulture, out waitSeconds) || waitSeconds > MaxWaitSeconds))
        {
            return Problems.Result(Problems.Validation("wait", $"wait must be a whole number of seconds from 0 to {MaxWaitSeconds}."));
        }
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(waitSeconds);
        var result = await approvals.GetAsync(id, caller, ct);
        // Hold a pending request until it changes (woken by this node's actors or the change feed) or the wait ends.
        while (result is { IsSuccess: true, Value.Status: ApprovalStatus.Pending } && clock.GetUtcNow() < deadline)
        {
            var remaining = deadline - clock.GetUtcNow();
            await changes.WaitAsync(id, remaining < WaitFallback ? remaining : WaitFallback, clock, ct);
            var version = result.Value!.Version;
            result = await approvals.GetAsync(id, caller, ct);
            if (result.IsSuccess && result.Value!.Version != version)
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
        var caller = http.Caller();
        if (!MayRead(caller))
        {
            return Problems.Result(Problems.Forbidden("Reading approvals needs a role or the approvals:read scope."));
        }
        var parsed = ParseListQuery(parameters, caller.TenantId);
        if (!parsed.IsSuccess)
        {
            return Problems.Result(parsed.Error!);
        }
        var page = await queries.ListAsync(parsed.Value!, ct);
        return StoredResponse.Json(StatusCodes.Status200OK, new ApprovalListDto(page.Items.Select(a => a.ToDto()).ToList(), page.Next?.Encode())).ToResult();
    }

    private static async Task<IResult> CountAsync(
        [FromQuery(Name = "status"), Description("Count only this status; without it, a count per status."), AllowedValues("pending", "approved", "rejected", "expired", "cancelled")] string? status,
        HttpContext http, IApprovalQueries queries, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!MayRead(caller))
        {
            return Problems.Result(Problems.Forbidden("Reading approvals needs a role or the approvals:read scope."));
        }
        var statusText = status ?? "";
        if (statusText.Length == 0)
        {
            var counts = await queries.CountByStatusAsync(caller.TenantId, ct);
            return StoredResponse.Json(StatusCodes.Status200OK, counts.ToDictionary(c => WireNames.Of(c.Key), c => c.Value)).ToResult();
        }
        if (!WireNames.TryParseStatus(statusText, out var parsed))
        {
            return Problems.Result(Problems.Validation("status", "status must be one of pending, approved, rejected, expired, cancelled."));
        }
        var count = await queries.CountAsync(caller.TenantId, parsed, ct);
        return StoredResponse.Json(StatusCodes.Status200OK, new Dictionary<string, long> { ["count"] = count }).ToResult();
    }

    private static async Task<IResult> BulkAsync(HttpContext http, ApprovalService approvals, DecisionKind decision, CancellationToken ct)
    {
        if (http.Caller().Kind == PrincipalKind.ApiKey)
        {
            // Refused as a whole, like a single decision: a key's bulk call is never a batch of per-id refusals.
            return Problems.Result(Problems.Forbidden("Only people decide approval requests; an API key never does."));
        }
        var body = await JsonBody.ReadAsync<BulkBody>(http.Request, required: true, ct);
        if (!body.IsSuccess)
        {
            return Problems.Result(body.Error!);
        }
        var ids = body.Value!.Ids;
        if (ids is null || ids.Count == 0 || ids.Count > ApprovalService.MaxBulkIds || ids.Any(string.IsNullOrWhiteSpace))
        {
            return Problems.Result(Problems.Validation("ids", $"ids must list 1 to {ApprovalService.MaxBulkIds} approval ids."));
        }
        var note = body.Value.Note ?? body.Value.Reason;
        var results = await approvals.DecideManyAsync(ids, decision, http.Caller(), note, ct);
        var dto = new BulkResponseDto(results.Select(r => r.Outcome.IsSuccess
            ? new BulkResultDto(r.Id, WireNames.Of(r.Outcome.Value!.Status), null)
            : new BulkResultDto(r.Id, r.Outcome.Error!.CurrentStatus is { } current ? WireNames.Of(current) : null,
                new BulkErrorDto(r.Outcome.Error.Code, r.Outcome.Error.Detail))).ToList());
        return StoredResponse.Json(StatusCodes.Status200OK, dto).ToResult();
    }

    private static bool MayRead(Principal caller) => caller.Kind switch
    {
        PrincipalKind.Person => caller.Roles.Count > 0,
        PrincipalKind.ApiKey => caller.Scopes.Contains(Scopes.ApprovalsRead) || caller.Scopes.Contains(Scopes.Admin),
        _ => true,
    };

    private static Result<ApprovalQuery> ParseListQuery(ApprovalListParameters query, string tenantId)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var result = new ApprovalQuery(tenantId);
        string? Text(string name) => query.Get(name) is { Length: > 0 } v ? v : null;

        if (Text("status") is { } statusText)
        {
            if (WireNames.TryParseStatus(statusText, out var status)) { result = result with { Status = status }; }
            else { errors["status"] = ["status must be one of pending, approved, rejected, expired, cancelled."]; }
        }
        if (Text("risk_level") is { } riskText)
        {
            if (WireNames.TryParseRiskLevel(riskText, out var risk)) { result = result with { RiskLevel = risk }; }
            else { errors["risk_level"] = ["risk_level must be one of low, medium, high, critical."]; }
        }
        result = result with { AgentId = Text("agent_id"), RequestedBy = Text("requested_by"), WorkflowId = Text("workflow_id") };
        foreach (var (name, set) in new (string, Func<ApprovalQuery, DateTimeOffset, ApprovalQuery>)[]
        {
            ("created_after", (q, t) => q with { CreatedAfter = t }),
            ("created_before", (q, t) => q with { CreatedBefore = t }),
        })
        {
            if (Text(name) is { } timeText)
            {
                if (DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)) { result = set(result, time); }
                else { errors[name] = [$"{name} must be an ISO 8601 time."]; }
            }
        }
        if (Text("limit") is { } limitText)
        {
            if (int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxLimit) { result = result with { Limit = limit }; }
            else { errors["limit"] = [$"limit must be a whole number from 1 to {MaxLimit}."]; }
        }
        if (Text("cursor") is { } cursorText)
        {
            if (PageCursor.TryDecode(cursorText, out var cursor)) { result = result with { After = cursor }; }
            else { errors["cursor"] = ["cursor is not one this API returned."]; }
        }
        return errors.Count > 0 ? DomainError.Validation(errors) : result;
    }
}

/// <summary>
/// The query of <c>GET /v1/approvals</c>. Every value is bound as text so that a bad one is a 400 naming
/// it (<c>ParseListQuery</c>), never a binding failure; the attributes describe them for the OpenAPI document.
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
