using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;

namespace Approvals.Grains.Operations;

/// <summary>
/// What the approval calls of API.md do beyond one grain call (read access, list queries, counts, bulk decisions),
/// for the REST gateway and the inbox (which render the results) and for the silo's query and command grains
/// (which answer in-cluster clients with them): one copy of each rule.
/// </summary>
public static class ApprovalOperations
{
    /// <summary>The most ids one bulk call takes.</summary>
    public const int MaxBulkIds = 100;

    /// <summary>The request as <c>GET /v1/approvals/{id}</c> gives it: the caller must be allowed to read approvals.</summary>
    public static async Task<Result<ApprovalDto>> GetAsync(IGrainFactory grains, Principal caller, string id) =>
        ReadAccess.CheckApprovals(caller) is { } refused ? refused : await ReadAsync(grains, caller, id);

    /// <summary>The request as its grain holds it, if it exists in the caller's tenant and the caller may see it.</summary>
    public static async Task<Result<ApprovalDto>> ReadAsync(IGrainFactory grains, Principal caller, string id) =>
        grains.Approval(caller, id) is { } grain ? (await grain.GetAsync(caller.ToCaller())).ToResult() : DomainError.NotFound(id);

    /// <summary>A page of <c>GET /v1/approvals</c>: <paramref name="parameter"/> gives the query's values by their API names.</summary>
    public static async Task<Result<ApprovalListDto>> ListAsync(IApprovalQueries queries, Principal caller, Func<string, string?> parameter,
        CancellationToken cancellationToken)
    {
        if (ReadAccess.CheckApprovals(caller) is { } refused)
        {
            return refused;
        }
        var query = ListQueries.ParseApprovals(parameter, caller.TenantId);
        if (!query.IsSuccess)
        {
            return query.Error!;
        }
        var page = await queries.ListAsync(query.Value!, cancellationToken);
        return new ApprovalListDto(page.Items.Select(a => a.ToDto()).ToList(), page.Next?.Encode());
    }

    /// <summary>
    /// <c>GET /v1/approvals/count</c>: <c>{ "count": n }</c> for the wire status <paramref name="status"/>, or a count per
    /// status when it is null or empty.
    /// </summary>
    public static async Task<Result<Dictionary<string, long>>> CountAsync(IApprovalQueries queries, Principal caller, string? status,
        CancellationToken cancellationToken)
    {
        if (ReadAccess.CheckApprovals(caller) is { } refused)
        {
            return refused;
        }
        if (string.IsNullOrEmpty(status))
        {
            var counts = await queries.CountByStatusAsync(caller.TenantId, cancellationToken);
            return counts.ToDictionary(c => WireNames.Of(c.Key), c => c.Value);
        }
        if (!WireNames.TryParseStatus(status, out var parsed))
        {
            return DomainError.Validation("status", "status must be one of pending, approved, rejected, expired, cancelled.");
        }
        return new Dictionary<string, long> { ["count"] = await queries.CountAsync(caller.TenantId, parsed, cancellationToken) };
    }

    /// <summary>The grain call of a decision: approve with a note, or reject with a reason.</summary>
    public static ApprovalCall Decision(DecisionKind decision, string? note) =>
        decision == DecisionKind.Approve ? new ApprovalCall.Approve(note) : new ApprovalCall.Reject(note);

    /// <summary>Null when <paramref name="call"/> is a decision (approve or reject), else the validation error naming <paramref name="field"/>.</summary>
    public static DomainError? CheckDecision(ApprovalCall call, string field) =>
        call is ApprovalCall.Approve or ApprovalCall.Reject ? null : DomainError.Validation(field, $"{field} must be 'approve' or 'reject'.");

    /// <summary>
    /// Why <paramref name="caller"/> may not make a bulk decision at all, or null. Refused as a whole, like a
    /// single decision: a key's bulk call is never a batch of per-id refusals.
    /// </summary>
    public static DomainError? RefuseBulk(Principal caller) =>
        caller.Kind == PrincipalKind.ApiKey ? DomainError.Forbidden("Only people decide approval requests; an API key never does.") : null;

    /// <summary>Null when <paramref name="ids"/> is a list a bulk call takes (1 to <see cref="MaxBulkIds"/> ids), else the validation error.</summary>
    public static DomainError? CheckBulkIds(IReadOnlyList<string>? ids) =>
        ids is null || ids.Count == 0 || ids.Count > MaxBulkIds || ids.Any(string.IsNullOrWhiteSpace)
            ? DomainError.Validation("ids", $"ids must list 1 to {MaxBulkIds} approval ids.")
            : null;

    /// <summary>The decision <paramref name="decision"/> of a bulk call on each id, one result per id in the order given.</summary>
    public static async Task<IReadOnlyList<BulkResultDto>> DecideEachAsync(IGrainFactory grains, Principal caller, IReadOnlyList<string> ids,
        ApprovalCall decision)
    {
        var by = caller.ToCaller();
        // Each id is decided by its own grain, in parallel; one refusal never affects another.
        var results = await Task.WhenAll(ids.Select(async id => (Id: id, Outcome: grains.Approval(caller, id) is { } grain
            ? (await grain.ExecuteAsync(by, decision, CallOptions.None)).ToResult()
            : DomainError.NotFound(id))));
        return results.Select(r => r.Outcome.IsSuccess
            ? new BulkResultDto(r.Id, r.Outcome.Value!.Status, null)
            : new BulkResultDto(r.Id, r.Outcome.Error!.CurrentStatus is { } current ? WireNames.Of(current) : null,
                new BulkErrorDto(r.Outcome.Error.Code, r.Outcome.Error.Detail))).ToList();
    }
}
