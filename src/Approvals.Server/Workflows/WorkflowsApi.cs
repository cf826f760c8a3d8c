using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Approvals.Grains.Abstractions;
using Approvals.Server.Grains;
using Approvals.Server.Approvals;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Microsoft.AspNetCore.Mvc;

namespace Approvals.Server.Workflows;

/// <summary>The "Workflows" section of API.md.</summary>
public static class WorkflowsApi
{
    private const int MaxOutputBytes = 64 * 1024;

    private const int MaxLimit = 100;

    private static readonly string WaitingApproval = WorkflowStateMachine.Wire(WorkflowStatus.WaitingApproval);

    public static RouteGroupBuilder MapWorkflowsApi(this IEndpointRouteBuilder routes)
    {
        // Every call checks the caller's role or scope (403).
        var group = routes.MapGroup("/v1/workflows").WithTags("Workflows").RequireAuthorization().ProducesProblems(StatusCodes.Status403Forbidden);
        // A command on a workflow can find it missing (404), in a state that refuses it (409), at another
        // version (412) or losing write races until it gives up (503, safe to retry).
        int[] commandProblems = [StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status412PreconditionFailed, StatusCodes.Status503ServiceUnavailable];
        group.MapPost("", CreateAsync).Accepts<CreateWorkflowRequest>("application/json").Produces<WorkflowDto>(StatusCodes.Status201Created)
            .ProducesProblems(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("", ListAsync).Produces<WorkflowListDto>();
        group.MapGet("/{id}", GetAsync).Produces<WorkflowDto>().ProducesProblems(StatusCodes.Status404NotFound);
        // The approval it waits on decides as the approval calls do (no If-Match: the caller knows no approval version).
        group.MapPost("/{id}/approval", DecideApprovalAsync).Accepts<WorkflowApprovalBody>("application/json").Produces<ApprovalDto>()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);
        group.MapPost("/{id}/steps/{step}/complete", CompleteTaskAsync).Accepts<CompleteTaskBody>("application/json").Produces<WorkflowDto>().ProducesProblems(commandProblems);
        group.MapPost("/{id}/steps/{step}/fail", FailTaskAsync).Accepts<FailTaskBody>("application/json").Produces<WorkflowDto>().ProducesProblems(commandProblems);
        group.MapPost("/{id}/cancel", CancelAsync).Accepts<CancelWorkflowBody>("application/json").Produces<WorkflowDto>().ProducesProblems(commandProblems);
        return group;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, IGrainFactory grains, TimeProvider clock, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<CreateWorkflowRequest>(http.Request, required: true, ct);
        if (!body.IsSuccess)
        {
            return Problems.Result(body.Error!);
        }
        // The gateway names the new run: its grain is the one that starts it. A new run waits on no
        // approval yet as far as its reply goes (its first one is filed right after the commit).
        var id = Ids.New("wf", clock.GetUtcNow());
        NewGrain.Announce(GrainKeys.Workflow(http.Caller().TenantId, id));
        try
        {
            return await CommandAsync(http, grains, id, new WorkflowCall.Start(body.Value!), null, StatusCodes.Status201Created);
        }
        finally
        {
            NewGrain.Forget();
        }
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, IGrainFactory grains)
    {
        var caller = http.Caller();
        if (!MayRead(caller))
        {
            return Problems.Result(Problems.Forbidden("Reading workflows needs a role or the workflows:read scope."));
        }
        var result = await ReadAsync(grains, caller, id);
        return result.IsSuccess
            ? WorkflowViews.Response(result.Value! with { Approvals = await WaitedOnAsync(result.Value!.PendingApprovalId, caller, grains) }).ToResult()
            : Problems.Result(result.Error!);
    }

    private static async Task<IResult> ListAsync([AsParameters] WorkflowListParameters parameters, HttpContext http, IWorkflowQueries queries, IGrainFactory grains,
        CancellationToken ct)
    {
        var caller = http.Caller();
        if (!MayRead(caller))
        {
            return Problems.Result(Problems.Forbidden("Reading workflows needs a role or the workflows:read scope."));
        }
        var query = new WorkflowQuery(caller.TenantId);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (parameters.Status is { Length: > 0 } statusText)
        {
            if (WorkflowStateMachine.TryParse(statusText, out var status)) { query = query with { Status = status }; }
            else { errors["status"] = ["status must be one of active, waiting_approval, waiting_task, delayed, completed, failed, cancelled."]; }
        }
        if (parameters.Limit is { Length: > 0 } limitText)
        {
            if (int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxLimit) { query = query with { Limit = limit }; }
            else { errors["limit"] = [$"limit must be a whole number from 1 to {MaxLimit}."]; }
        }
        if (parameters.Cursor is { Length: > 0 } cursorText)
        {
            if (PageCursor.TryDecode(cursorText, out var cursor)) { query = query with { After = cursor }; }
            else { errors["cursor"] = ["cursor is not one this API returned."]; }
        }
        if (errors.Count > 0)
        {
            return Problems.Result(DomainError.Validation(errors));
        }
        var page = await queries.ListWorkflowsAsync(query, ct);
        var data = new List<WorkflowDto>(page.Items.Count);
        foreach (var workflow in page.Items)
        {
            data.Add(workflow.ToDto(await WaitedOnAsync(workflow.PendingApprovalId, caller, grains)));
        }
        return StoredResponse.Json(StatusCodes.Status200OK, new WorkflowListDto(data, page.Next?.Encode())).ToResult();
    }

    private static async Task<IResult> DecideApprovalAsync(string id, HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<WorkflowApprovalBody>(http.Request, required: true, ct);
        if (!body.IsSuccess)
        {
            return Problems.Result(body.Error!);
        }
        if (body.Value!.Action is not ("approve" or "reject"))
        {
            return Problems.Result(Problems.Validation("action", "action must be 'approve' or 'reject'."));
        }
        var caller = http.Caller();
        var workflow = await ReadAsync(grains, caller, id);
        if (!workflow.IsSuccess)
        {
            return Problems.Result(workflow.Error!);
        }
        if (workflow.Value!.PendingApprovalId is not { } approvalId || workflow.Value.Status != WaitingApproval)
        {
            return Problems.Result(await NotWaitingOnAnApprovalAsync(workflow.Value, caller, grains));
        }
        ApprovalCall call = body.Value.Action == "approve" ? new ApprovalCall.Approve(body.Value.Note) : new ApprovalCall.Reject(body.Value.Note);
        return await ApprovalsApi.CommandAsync(http, grains, approvalId, call, null, StatusCodes.Status200OK);
    }

    private static async Task<IResult> CompleteTaskAsync(string id, string step,
        [FromHeader(Name = ETags.IfMatchHeader), Description(ETags.IfMatchDescription)] string? ifMatch, HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<CompleteTaskBody>(http.Request, required: false, ct);
        if (!body.IsSuccess)
        {
            return Problems.Result(body.Error!);
        }
        string? output = null;
        if (body.Value!.Output is { ValueKind: not JsonValueKind.Null } given)
        {
            if (StoredJson.TryCanonicalize(given, "output", MaxOutputBytes, objectOnly: false, out var canonical) is { } error)
            {
                return Problems.Result(Problems.Validation("output", error));
            }
            output = canonical;
        }
        return await CommandAsync(http, grains, id, new WorkflowCall.ReportTask(step, true, output, null), ifMatch, StatusCodes.Status200OK);
    }

    private static async Task<IResult> FailTaskAsync(string id, string step,
        [FromHeader(Name = ETags.IfMatchHeader), Description(ETags.IfMatchDescription)] string? ifMatch, HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<FailTaskBody>(http.Request, required: false, ct);
        return body.IsSuccess
            ? await CommandAsync(http, grains, id, new WorkflowCall.ReportTask(step, false, null, body.Value!.Error), ifMatch, StatusCodes.Status200OK)
            : Problems.Result(body.Error!);
    }

    private static async Task<IResult> CancelAsync(string id, [FromHeader(Name = ETags.IfMatchHeader), Description(ETags.IfMatchDescription)] string? ifMatch,
        HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<CancelWorkflowBody>(http.Request, required: false, ct);
        return body.IsSuccess
            ? await CommandAsync(http, grains, id, new WorkflowCall.Cancel(body.Value!.Reason), ifMatch, StatusCodes.Status200OK)
            : Problems.Result(body.Error!);
    }

    /// <summary>
    /// Runs one call on a workflow's grain (If-Match checked, an idempotent reply stored with its write).
    /// The reply embeds no approval: what the call caused on one (filing, cancelling) follows its commit.
    /// </summary>
    private static async Task<IResult> CommandAsync(HttpContext http, IGrainFactory grains, string id, WorkflowCall call, string? ifMatch, int successStatus)
    {
        var version = ETags.ParseIfMatch(ifMatch);
        if (!version.IsSuccess)
        {
            return Problems.Result(version.Error!);
        }
        var caller = http.Caller();
        if (grains.Workflow(caller, id) is not { } grain)
        {
            return Problems.Result(NotFound(id));
        }
        var idempotency = http.Features.Get<IdempotencyFeature>();
        var reply = await grain.ExecuteAsync(caller.ToCaller(), call, new CallOptions(version.Value, idempotency?.Ticket(successStatus)));
        if (reply.Workflow is not { } workflow)
        {
            return Problems.Result(reply.Error!.ToDomainError());
        }
        idempotency?.MarkStoredWithStateChange();
        return WorkflowViews.Response(workflow, successStatus).ToResult();
    }

    internal static async Task<Result<WorkflowDto>> ReadAsync(IGrainFactory grains, Principal caller, string id) =>
        grains.Workflow(caller, id) is { } grain ? (await grain.GetAsync(caller.ToCaller())).ToResult() : NotFound(id);

    private static DomainError NotFound(string id) => new(ErrorCodes.NotFound, $"No workflow '{id}' exists.");

    /// <summary>
    /// Why a workflow that waits on no approval refuses a decision. Once the approval it last waited on
    /// is resolved, the answer is that approval's (409 already_resolved with its status, as the approval
    /// calls give it), so a repeated decision gets the same answer before and after the first one reached
    /// the workflow; otherwise 409 invalid_state.
    /// </summary>
    private static async Task<DomainError> NotWaitingOnAnApprovalAsync(WorkflowDto workflow, Principal caller, IGrainFactory grains)
    {
        if (workflow.History.LastOrDefault(run => run.ApprovalId is not null)?.ApprovalId is { } lastId
            && await ApprovalsApi.ReadAsync(grains, caller, lastId) is { IsSuccess: true, Value: { } last }
            && WireNames.TryParseStatus(last.Status, out var status) && status != ApprovalStatus.Pending)
        {
            return DomainError.AlreadyResolved(status);
        }
        return new DomainError(WorkflowStateMachine.InvalidState, $"The workflow is {workflow.Status}; it waits on no approval.");
    }

    /// <summary>The approvals a workflow waits on (the pending one, if filed yet).</summary>
    internal static async Task<IReadOnlyList<ApprovalDto>> WaitedOnAsync(string? pendingApprovalId, Principal caller, IGrainFactory grains)
    {
        if (pendingApprovalId is null)
        {
            return [];
        }
        var approval = await ApprovalsApi.ReadAsync(grains, caller, pendingApprovalId);
        return approval.IsSuccess ? [approval.Value!] : [];
    }

    /// <summary>Whether <paramref name="caller"/> may read workflows at all (a role, or a key's read scope).</summary>
    internal static bool MayRead(Principal caller) => caller.Kind switch
    {
        PrincipalKind.Person => caller.Roles.Count > 0,
        PrincipalKind.ApiKey => caller.Scopes.Contains(Scopes.WorkflowsRead) || caller.Scopes.Contains(Scopes.Admin),
        _ => true,
    };
}

/// <summary>
/// The query of <c>GET /v1/workflows</c>, bound as text so that a bad value is a 400 naming it; the
/// attributes describe it for the OpenAPI document.
/// </summary>
public sealed record WorkflowListParameters(
    [property: FromQuery(Name = "status"), Description("Only workflows in this status."),
        AllowedValues("active", "waiting_approval", "waiting_task", "delayed", "completed", "failed", "cancelled")] string? Status,
    [property: FromQuery(Name = "limit"), Description("Page size, 1–100 (default 20)."), RegularExpression("^[0-9]+$")] string? Limit,
    [property: FromQuery(Name = "cursor"), Description("The next_cursor of the previous page.")] string? Cursor);
