using System.Globalization;
using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Runtime.Approvals;
using Approvals.Server.Auth;
using Approvals.Server.Http;

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
        var group = routes.MapGroup("/v1/approvals").WithTags("Approvals").RequireAuthorization();

        group.MapPost("", CreateAsync).Accepts<CreateApprovalRequest>("application/json").Produces<ApprovalDto>(StatusCodes.Status201Created);
        group.MapGet("", ListAsync).Produces<ApprovalListDto>();
        group.MapGet("/count", CountAsync).Produces<Dictionary<string, long>>();
        group.MapPost("/bulk-approve", (HttpContext http, ApprovalService approvals, CancellationToken ct) => BulkAsync(http, approvals, DecisionKind.Approve, ct))
            .Accepts<BulkBody>("application/json").Produces<BulkResponseDto>();
        group.MapPost("/bulk-reject", (HttpContext http, ApprovalService approvals, CancellationToken ct) => BulkAsync(http, approvals, DecisionKind.Reject, ct))
            .Accepts<BulkBody>("application/json").Produces<BulkResponseDto>();
        group.MapGet("/{id}", GetAsync).Produces<ApprovalDto>();
        group.MapGet("/{id}/status", StatusAsync).Produces<ApprovalStatusDto>();
        group.MapPost("/{id}/approve", ApproveAsync).Accepts<ApproveBody>("application/json").Produces<ApprovalDto>();
        group.MapPost("/{id}/reject", RejectAsync).Accepts<ReasonBody>("application/json").Produces<ApprovalDto>();
        group.MapPost("/{id}/cancel", CancelAsync).Accepts<ReasonBody>("application/json").Produces<ApprovalDto>();
        group.MapPost("/{id}/extend", ExtendAsync).Accepts<ExtendBody>("application/json").Produces<ApprovalDto>();
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

    private static async Task<IResult> ApproveAsync(string id, HttpContext http, ApprovalService approvals, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<ApproveBody>(http.Request, required: false, ct);
        return body.IsSuccess
            ? await CommandAsync(http, approvals, id, new ApprovalCommand.Approve(http.Caller(), body.Value!.Note), http.Request, StatusCodes.Status200OK, ct)
            : Problems.Result(body.Error!);
    }

    private static async Task<IResult> RejectAsync(string id, HttpContext http, ApprovalService approvals, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<ReasonBody>(http.Request, required: false, ct);
        return body.IsSuccess
            ? await CommandAsync(http, approvals, id, new ApprovalCommand.Reject(http.Caller(), body.Value!.Reason ?? body.Value.Note), http.Request, StatusCodes.Status200OK, ct)
            : Problems.Result(body.Error!);
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext http, ApprovalService approvals, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<ReasonBody>(http.Request, required: false, ct);
        return body.IsSuccess
            ? await CommandAsync(http, approvals, id, new ApprovalCommand.Cancel(http.Caller(), body.Value!.Reason ?? body.Value.Note), http.Request, StatusCodes.Status200OK, ct)
            : Problems.Result(body.Error!);
    }

    private static async Task<IResult> ExtendAsync(string id, HttpContext http, ApprovalService approvals, CancellationToken ct)
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
        return await CommandAsync(http, approvals, id, new ApprovalCommand.Extend(http.Caller(), expiresAt), http.Request, StatusCodes.Status200OK, ct);
    }

    /// <summary>
    /// Runs one command on an approval's actor: If-Match from <paramref name="ifMatchFrom"/>, and the
    /// response stored with the state change when the request carries an Idempotency-Key.
    /// </summary>
    private static async Task<IResult> CommandAsync(HttpContext http, ApprovalService approvals, string id, ApprovalCommand command,
        HttpRequest? ifMatchFrom, int successStatus, CancellationToken ct)
    {
        long? ifMatch = null;
        if (ifMatchFrom is not null)
        {
            var parsed = ETags.ParseIfMatch(ifMatchFrom);
            if (!parsed.IsSuccess)
            {
                return Problems.Result(parsed.Error!);
            }
            ifMatch = parsed.Value;
        }
        var idempotency = http.Features.Get<IdempotencyFeature>();
        var options = new CommandOptions(ifMatch, idempotency?.ForCommand<ApprovalState>(state => ApprovalMapping.Response(state, successStatus)));
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

    private static async Task<IResult> StatusAsync(string id, HttpContext http, ApprovalService approvals, ApprovalChanges changes, TimeProvider clock, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!MayRead(caller))
        {
            return Problems.Result(Problems.Forbidden("Reading approvals needs a role or the approvals:read scope."));
        }
        var waitText = http.Request.Query["wait"].ToString();
        var wait = 0;
        if (waitText.Length > 0 && (!int.TryParse(waitText, NumberStyles.None, CultureInfo.InvariantCulture, out wait) || wait > MaxWaitSeconds))
        {
            return Problems.Result(Problems.Validation("wait", $"wait must be a whole number of seconds from 0 to {MaxWaitSeconds}."));
        }
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(wait);
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

    private static async Task<IResult> ListAsync(HttpContext http, IApprovalQueries queries, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!MayRead(caller))
        {
            return Problems.Result(Problems.Forbidden("Reading approvals needs a role or the approvals:read scope."));
        }
        var parsed = ParseListQuery(http.Request.Query, caller.TenantId);
        if (!parsed.IsSuccess)
        {
            return Problems.Result(parsed.Error!);
        }
        var page = await queries.ListAsync(parsed.Value!, ct);
        return StoredResponse.Json(StatusCodes.Status200OK, new ApprovalListDto(page.Items.Select(a => a.ToDto()).ToList(), page.Next?.Encode())).ToResult();
    }

    private static async Task<IResult> CountAsync(HttpContext http, IApprovalQueries queries, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!MayRead(caller))
        {
            return Problems.Result(Problems.Forbidden("Reading approvals needs a role or the approvals:read scope."));
        }
        var statusText = http.Request.Query["status"].ToString();
        if (statusText.Length == 0)
        {
            var counts = await queries.CountByStatusAsync(caller.TenantId, ct);
            return StoredResponse.Json(StatusCodes.Status200OK, counts.ToDictionary(c => WireNames.Of(c.Key), c => c.Value)).ToResult();
        }
        if (!WireNames.TryParseStatus(statusText, out var status))
        {
            return Problems.Result(Problems.Validation("status", "status must be one of pending, approved, rejected, expired, cancelled."));
        }
        var count = await queries.CountAsync(caller.TenantId, status, ct);
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

    private static Result<ApprovalQuery> ParseListQuery(IQueryCollection query, string tenantId)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var result = new ApprovalQuery(tenantId);
        string? Text(string name) => query[name].ToString() is { Length: > 0 } v ? v : null;

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
