using System.Diagnostics;
using System.Text.Json;
using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Approvals.Grains.Abstractions;

namespace Approvals.Client.Cluster;

/// <summary>
/// The operations of <see cref="IApprovalsClient"/> made as grain calls from inside the cluster (no HTTP hop), with
/// the gateway's rules and answers: reads, lists and counts go to the silo's <see cref="IQueryGrain"/> (which runs the
/// gateway's queries through the store ports: a client cannot reach the database), writes to its
/// <see cref="ICommandGrain"/> (If-Match, Idempotency-Keys kept as the gateway keeps them, workflow decisions, bulk),
/// and a wait subscribes a grain observer on the request's own grain. Refusals surface as
/// <see cref="ApprovalsApiException"/> carrying the problem the gateway would answer with (status, code, detail,
/// current status, current version, field errors); so do failures of the cluster (a lost write race, a node or
/// gateway out of reach, no answer in time), as the gateway's 503 <c>busy</c>. The caller is the configured <see cref="Caller"/> (an API key
/// files and reads but never decides); every call carries <see cref="CallAudit"/>.
/// The event stream (<see cref="IApprovalsClient.StreamEventsAsync"/>) and the audit trail are the REST API's only:
/// use <see cref="ApprovalsClient"/> for them.
/// </summary>
public sealed class ClusterApprovalsClient
{
    private readonly IGrainFactory _grains;
    private readonly Caller _caller;
    private readonly TimeProvider _clock;
    private readonly DecisionWaiter _waiter;
    private readonly string _userAgent;

    public ClusterApprovalsClient(IGrainFactory grains, Caller caller, TimeSpan resubscribePeriod, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(resubscribePeriod, TimeSpan.Zero);
        _grains = grains;
        _caller = caller;
        _clock = clock ?? TimeProvider.System;
        _userAgent = $"approvals-cluster-client ({Environment.MachineName})";
        _waiter = new DecisionWaiter(grains, caller, _clock, resubscribePeriod, _userAgent, activity => ObserverActivity?.Invoke(activity));
    }

    /// <summary>What waiters' observers do: subscribed, notified, fell back to the long-poll.</summary>
    public event Action<ObserverActivity>? ObserverActivity;

    private IQueryGrain Queries => _grains.GetGrain<IQueryGrain>(0);

    private ICommandGrain Commands => _grains.GetGrain<ICommandGrain>(0);

    // ---- Approval requests ----

    /// <summary>Files a request; its id is made here, as the gateway makes it. With an Idempotency-Key, a repeat files it once.</summary>
    public Task<ApprovalDto> CreateAsync(CreateApprovalRequest request, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var command = Command(ClientPlumbing.Unversioned(options, nameof(CreateAsync)));
        var id = Ids.New("apr", _clock.GetUtcNow());
        return NewGrain.CreateAsync(GrainKeys.Approval(_caller.Tenant, id), () => SendAsync(c => c.ExecuteApprovalAsync(_caller, id, new ApprovalCall.Create(request), command), cancellationToken));
    }

    public Task<ApprovalDto> GetAsync(string id, CancellationToken cancellationToken = default) =>
        AskAsync(q => q.GetApprovalAsync(_caller, id), cancellationToken);

    public async Task<ApprovalStatusDto> GetStatusAsync(string id, CancellationToken cancellationToken = default) =>
        (await GetAsync(id, cancellationToken)).ToStatusDto();

    /// <summary>One page of requests, newest first; pass the previous page's <c>next_cursor</c> to go on.</summary>
    public Task<ApprovalListDto> ListPageAsync(ApprovalListQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        var parameters = Parameters((query ?? new ApprovalListQuery()).Parameters(cursor));
        return AskAsync(q => q.ListApprovalsAsync(_caller, parameters), cancellationToken);
    }

    /// <summary>Every request matching <paramref name="query"/>, newest first, fetching page after page as they are read.</summary>
    public IAsyncEnumerable<ApprovalDto> ListAsync(ApprovalListQuery? query = null, CancellationToken cancellationToken = default) =>
        ClientPlumbing.FollowCursorAsync((cursor, ct) => ListPageAsync(query, cursor, ct), cancellationToken);

    public async Task<long> CountAsync(ApprovalStatus status, CancellationToken cancellationToken = default) =>
        ClientPlumbing.Count(await AskAsync(q => q.CountApprovalsAsync(_caller, WireNames.Of(status)), cancellationToken));

    public async Task<IReadOnlyDictionary<ApprovalStatus, long>> CountByStatusAsync(CancellationToken cancellationToken = default) =>
        ClientPlumbing.CountsByStatus(await AskAsync(q => q.CountApprovalsAsync(_caller, null), cancellationToken));

    public Task<ApprovalDto> ApproveAsync(string id, string? note = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        ExecuteAsync(id, new ApprovalCall.Approve(note), options, cancellationToken);

    public Task<ApprovalDto> RejectAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        ExecuteAsync(id, new ApprovalCall.Reject(reason), options, cancellationToken);

    public Task<ApprovalDto> CancelAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        ExecuteAsync(id, new ApprovalCall.Cancel(reason), options, cancellationToken);

    public Task<ApprovalDto> ExtendAsync(string id, DateTimeOffset expiresAt, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        ExecuteAsync(id, new ApprovalCall.Extend(expiresAt), options, cancellationToken);

    /// <summary>
    /// Waits until the request leaves <c>pending</c> or <paramref name="timeout"/> passes, and returns its status
    /// (still <c>pending</c> when the time ran out), woken by a grain observer (see <see cref="DecisionWaiter"/>).
    /// The request is read first as <c>GET /v1/approvals/{id}/status</c> reads it, so a caller who may not read it is
    /// refused as over HTTP.
    /// </summary>
    public async Task<ApprovalStatusDto> WaitForDecisionAsync(string id, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await GetAsync(id, cancellationToken);
        return await Replies.CallAsync(() => _waiter.WaitAsync(id, timeout, cancellationToken));
    }

    /// <summary>Approves up to 100 requests, each on its own; one refusal does not stop the others.</summary>
    public Task<BulkResponseDto> BulkApproveAsync(IReadOnlyList<string> ids, string? note = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        BulkAsync(ids, new ApprovalCall.Approve(note), ClientPlumbing.Unversioned(options, nameof(BulkApproveAsync)), cancellationToken);

    /// <summary>Rejects up to 100 requests, each on its own.</summary>
    public Task<BulkResponseDto> BulkRejectAsync(IReadOnlyList<string> ids, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        BulkAsync(ids, new ApprovalCall.Reject(reason), ClientPlumbing.Unversioned(options, nameof(BulkRejectAsync)), cancellationToken);

    // ---- Workflows ----

    /// <summary>Starts a workflow; its id is made here, as the gateway makes it. With an Idempotency-Key, a repeat starts it once.</summary>
    public Task<WorkflowDto> CreateWorkflowAsync(CreateWorkflowRequest request, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var command = Command(ClientPlumbing.Unversioned(options, nameof(CreateWorkflowAsync)));
        var id = Ids.New("wf", _clock.GetUtcNow());
        return NewGrain.CreateAsync(GrainKeys.Workflow(_caller.Tenant, id), () => SendAsync(c => c.ExecuteWorkflowAsync(_caller, id, new WorkflowCall.Start(request), command), cancellationToken));
    }

    /// <summary>The workflow, with the approval it waits on embedded.</summary>
    public Task<WorkflowDto> GetWorkflowAsync(string id, CancellationToken cancellationToken = default) =>
        AskAsync(q => q.GetWorkflowAsync(_caller, id), cancellationToken);

    /// <summary>One page of workflows, each with the approval it waits on; pass the previous page's <c>next_cursor</c> to go on.</summary>
    public Task<WorkflowListDto> ListWorkflowsPageAsync(WorkflowListQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        var parameters = Parameters((query ?? new WorkflowListQuery()).Parameters(cursor));
        return AskAsync(q => q.ListWorkflowsAsync(_caller, parameters), cancellationToken);
    }

    /// <summary>Every workflow matching <paramref name="query"/>, fetching page after page as they are read.</summary>
    public IAsyncEnumerable<WorkflowDto> ListWorkflowsAsync(WorkflowListQuery? query = null, CancellationToken cancellationToken = default) =>
        ClientPlumbing.FollowCursorAsync((cursor, ct) => ListWorkflowsPageAsync(query, cursor, ct), cancellationToken);

    /// <summary>Approves the approval the workflow waits on (same rules as <see cref="ApproveAsync"/>).</summary>
    public Task<ApprovalDto> ApproveWorkflowAsync(string id, string? note = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        DecideWorkflowAsync(id, new ApprovalCall.Approve(note), ClientPlumbing.Unversioned(options, nameof(ApproveWorkflowAsync)), cancellationToken);

    /// <summary>Rejects the approval the workflow waits on.</summary>
    public Task<ApprovalDto> RejectWorkflowAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        DecideWorkflowAsync(id, new ApprovalCall.Reject(reason), ClientPlumbing.Unversioned(options, nameof(RejectWorkflowAsync)), cancellationToken);

    /// <summary>Reports a task step done, with its output (any JSON, at most 64 KiB).</summary>
    public Task<WorkflowDto> CompleteTaskAsync(string id, string step, JsonElement? output = null, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var canonical = TaskReports.CanonicalOutput(output);
        return canonical.IsSuccess
            ? ExecuteWorkflowAsync(id, new WorkflowCall.ReportTask(step, true, canonical.Value, null), options, cancellationToken)
            : Task.FromException<WorkflowDto>(Replies.Refusal(new CallError(canonical.Error!.Code, canonical.Error.Detail, Fields: canonical.Error.Fields?.ToDictionary())));
    }

    /// <summary>Reports a task step failed.</summary>
    public Task<WorkflowDto> FailTaskAsync(string id, string step, string? error = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        ExecuteWorkflowAsync(id, new WorkflowCall.ReportTask(step, false, null, error), options, cancellationToken);

    /// <summary>Cancels the workflow and the approval it waits on.</summary>
    public Task<WorkflowDto> CancelWorkflowAsync(string id, string? reason = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        ExecuteWorkflowAsync(id, new WorkflowCall.Cancel(reason), options, cancellationToken);

    // ---- Calls ----

    private Task<ApprovalDto> ExecuteAsync(string id, ApprovalCall call, WriteOptions? options, CancellationToken cancellationToken)
    {
        var command = Command(options);
        return SendAsync(c => c.ExecuteApprovalAsync(_caller, id, call, command), cancellationToken);
    }

    private Task<WorkflowDto> ExecuteWorkflowAsync(string id, WorkflowCall call, WriteOptions? options, CancellationToken cancellationToken)
    {
        var command = Command(options);
        return SendAsync(c => c.ExecuteWorkflowAsync(_caller, id, call, command), cancellationToken);
    }

    private Task<ApprovalDto> DecideWorkflowAsync(string id, ApprovalCall decision, WriteOptions? options, CancellationToken cancellationToken)
    {
        var command = Command(options);
        return SendAsync(c => c.DecideWorkflowApprovalAsync(_caller, id, decision, command), cancellationToken);
    }

    private Task<BulkResponseDto> BulkAsync(IReadOnlyList<string> ids, ApprovalCall decision, WriteOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var command = Command(options);
        string[] all = [.. ids];
        return SendAsync(c => c.DecideEachAsync(_caller, all, decision, command), cancellationToken);
    }

    /// <summary>A read on the silo's query grain.</summary>
    private async Task<T> AskAsync<T>(Func<IQueryGrain, Task<CallReply<T>>> call, CancellationToken cancellationToken) where T : class
    {
        Replies.StampAudit(_userAgent);
        return Replies.Unwrap(await Replies.CallAsync(() => call(Queries).WaitAsync(cancellationToken)));
    }

    /// <summary>
    /// A write through the silo's command grain. A repeat of a call whose first run is still going waits for it, in
    /// slices shorter than Orleans' response timeout: asked again while the gateway would still wait, then refused
    /// (idempotency_key_in_use) as the gateway refuses it.
    /// </summary>
    private async Task<T> SendAsync<T>(Func<ICommandGrain, Task<CallReply<T>>> call, CancellationToken cancellationToken) where T : class
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            Replies.StampAudit(_userAgent);
            var reply = await Replies.CallAsync(() => call(Commands).WaitAsync(cancellationToken));
            if (reply.Error is not { Code: ErrorCodes.IdempotencyKeyInUse } || waited.Elapsed >= IdempotentRequests.MaxWaitForFirst)
            {
                return Replies.Unwrap(reply);
            }
        }
    }

    private static CommandOptions Command(WriteOptions? options) =>
        options is null ? CommandOptions.None : new CommandOptions(options.IfMatch, options.IdempotencyKey);

    private static ListParameters Parameters((string Name, string? Value)[] parameters) =>
        new(parameters.Where(p => p.Value is not null).ToDictionary(p => p.Name, p => p.Value!, StringComparer.Ordinal));
}
