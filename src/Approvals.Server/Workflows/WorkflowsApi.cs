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
using Approvals.Grains;
using Approvals.Server.Approvals;
using Approvals.Grains.Operations;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Microsoft.AspNetCore.Mvc;

namespace Approvals.Server.Workflows;

/// <summary>The "Workflows" section of API.md.</summary>
public static class WorkflowsApi
{
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
        // Nothing can be stored under an id minted just now: the grain need not look (see NewGrain).
        return await NewGrain.CreateAsync(GrainKeys.Workflow(http.Caller().TenantId, id),
            () => CommandAsync(http, grains, id, new WorkflowCall.Start(body.Value!), null, StatusCodes.Status201Created));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, IGrainFactory grains)
    {
        var result = await WorkflowOperations.GetAsync(grains, http.Caller(), id);
        return result.IsSuccess ? WorkflowViews.Response(result.Value!).ToResult() : Problems.Result(result.Error!);
    }

    private static async Task<IResult> ListAsync([AsParameters] WorkflowListParameters parameters, HttpContext http, IWorkflowQueries queries, IGrainFactory grains,
        CancellationToken ct)
    {
        var page = await WorkflowOperations.ListAsync(queries, grains, http.Caller(), parameters.Get, ct);
        return page.IsSuccess ? StoredResponse.Json(StatusCodes.Status200OK, page.Value!).ToResult() : Problems.Result(page.Error!);
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
        var approvalId = await WorkflowOperations.ApprovalToDecideAsync(grains, http.Caller(), id);
        if (!approvalId.IsSuccess)
        {
            return Problems.Result(approvalId.Error!);
        }
        var call = ApprovalOperations.Decision(body.Value.Action == "approve" ? DecisionKind.Approve : DecisionKind.Reject, body.Value.Note);
        return await ApprovalsApi.CommandAsync(http, grains, approvalId.Value!, call, null, StatusCodes.Status200OK);
    }

    private static async Task<IResult> CompleteTaskAsync(string id, string step,
        [FromHeader(Name = ETags.IfMatchHeader), Description(ETags.IfMatchDescription)] string? ifMatch, HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync<CompleteTaskBody>(http.Request, required: false, ct);
        if (!body.IsSuccess)
        {
            return Problems.Result(body.Error!);
        }
        var output = TaskReports.CanonicalOutput(body.Value!.Output);
        return output.IsSuccess
            ? await CommandAsync(http, grains, id, new WorkflowCall.ReportTask(step, true, output.Value, null), ifMatch, StatusCodes.Status200OK)
            : Problems.Result(output.Error!);
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
            return Problems.Result(WorkflowOperations.NotFound(id));
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
}

/// <summary>
/// The query of <c>GET /v1/workflows</c>, bound as text so that a bad value is a 400 naming it; the
/// attributes describe it for the OpenAPI document.
/// </summary>
public sealed record WorkflowListParameters(
    [property: FromQuery(Name = "status"), Description("Only workflows in this status."),
        AllowedValues("active", "waiting_approval", "waiting_task", "delayed", "completed", "failed", "cancelled")] string? Status,
    [property: FromQuery(Name = "limit"), Description("Page size, 1–100 (default 20)."), RegularExpression("^[0-9]+$")] string? Limit,
    [property: FromQuery(Name = "cursor"), Description("The next_cursor of the previous page.")] string? Cursor)
{
    /// <summary>A value by its query name.</summary>
    public string? Get(string name) => name switch
    {
        "status" => Status,
        "limit" => Limit,
        "cursor" => Cursor,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a parameter of this query."),
    };
}
