using System.Text.Json;
using Approvals.Contracts;

namespace Approvals.Client;

/// <summary>
/// What a program does with Approvals: file and decide approval requests, wait for decisions, follow the
/// event log, run workflows and check the audit trail. <see cref="ApprovalsClient"/> does it over the REST
/// API; refusals surface as <see cref="ApprovalsApiException"/> with the API's stable codes.
/// </summary>
public interface IApprovalsClient
{
    /// <summary>Files a request (<c>POST /v1/approvals</c>); retried calls file it once.</summary>
    Task<ApprovalDto> CreateAsync(CreateApprovalRequest request, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>The full request (<c>GET /v1/approvals/{id}</c>).</summary>
    Task<ApprovalDto> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Where a request stands (<c>GET /v1/approvals/{id}/status</c>), without waiting.</summary>
    Task<ApprovalStatusDto> GetStatusAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>One page of requests, newest first; pass the previous page's <c>next_cursor</c> to go on.</summary>
    Task<ApprovalListDto> ListPageAsync(ApprovalListQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary>Every request matching <paramref name="query"/>, newest first, fetching page after page as they are read.</summary>
    IAsyncEnumerable<ApprovalDto> ListAsync(ApprovalListQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>How many of the tenant's requests are in <paramref name="status"/>.</summary>
    Task<long> CountAsync(ApprovalStatus status, CancellationToken cancellationToken = default);

    /// <summary>How many of the tenant's requests are in each status.</summary>
    Task<IReadOnlyDictionary<ApprovalStatus, long>> CountByStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>Records an approval (a person's token only; an API key never decides).</summary>
    Task<ApprovalDto> ApproveAsync(string id, string? note = null, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Rejects the request.</summary>
    Task<ApprovalDto> RejectAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Withdraws a pending request (its requester or an admin).</summary>
    Task<ApprovalDto> CancelAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Moves the deadline of a pending request (its requester or an admin).</summary>
    Task<ApprovalDto> ExtendAsync(string id, DateTimeOffset expiresAt, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until the request is decided (or otherwise leaves <c>pending</c>) or <paramref name="timeout"/>
    /// passes, with long-polls of <c>status?wait=</c> one after another; returns its status then, which is
    /// still <c>pending</c> when the time ran out.
    /// </summary>
    Task<ApprovalStatusDto> WaitForDecisionAsync(string id, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Approves up to 100 requests, each on its own; one refusal does not stop the others.</summary>
    Task<BulkResponseDto> BulkApproveAsync(IReadOnlyList<string> ids, string? note = null, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Rejects up to 100 requests, each on its own.</summary>
    Task<BulkResponseDto> BulkRejectAsync(IReadOnlyList<string> ids, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The tenant's events as they happen (<c>GET /v1/events</c>, Server-Sent Events), until cancelled: from
    /// just after <paramref name="lastEventId"/>, or from now when null. A dropped connection is resumed with
    /// <c>Last-Event-ID</c>, so nothing after the last event received is missed or repeated; while the server
    /// cannot be reached it keeps trying. A refusal (401, 403, an unknown <paramref name="lastEventId"/>) ends it
    /// with an <see cref="ApprovalsApiException"/>.
    /// </summary>
    /// <param name="types">Type patterns, where <c>*</c> matches any run of characters (<c>approval.*</c>); none means every type.</param>
    /// <param name="lastEventId">The id of the last event already seen.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    IAsyncEnumerable<EventDto> StreamEventsAsync(IReadOnlyList<string>? types = null, string? lastEventId = null, CancellationToken cancellationToken = default);

    /// <summary>Starts a workflow (<c>POST /v1/workflows</c>); retried calls start it once.</summary>
    Task<WorkflowDto> CreateWorkflowAsync(CreateWorkflowRequest request, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>The workflow, with the approval it waits on embedded.</summary>
    Task<WorkflowDto> GetWorkflowAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>One page of workflows; pass the previous page's <c>next_cursor</c> to go on.</summary>
    Task<WorkflowListDto> ListWorkflowsPageAsync(WorkflowListQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary>Every workflow matching <paramref name="query"/>, fetching page after page as they are read.</summary>
    IAsyncEnumerable<WorkflowDto> ListWorkflowsAsync(WorkflowListQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Approves the approval the workflow waits on (same rules as <see cref="ApproveAsync"/>).</summary>
    Task<ApprovalDto> ApproveWorkflowAsync(string id, string? note = null, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Rejects the approval the workflow waits on.</summary>
    Task<ApprovalDto> RejectWorkflowAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Reports a task step done, with its output.</summary>
    Task<WorkflowDto> CompleteTaskAsync(string id, string step, JsonElement? output = null, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Reports a task step failed.</summary>
    Task<WorkflowDto> FailTaskAsync(string id, string step, string? error = null, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Cancels the workflow and the approval it waits on.</summary>
    Task<WorkflowDto> CancelWorkflowAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Every audit entry matching <paramref name="query"/>, oldest first (admins only).</summary>
    IAsyncEnumerable<AuditEntryDto> ListAuditAsync(AuditListQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Checks the tenant's hash chains (admins only): ok, or the first broken link.</summary>
    Task<VerifyDto> VerifyAuditAsync(CancellationToken cancellationToken = default);
}
