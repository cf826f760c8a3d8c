using System.Globalization;
using System.Text;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Events;

namespace Approvals.Core.Storage;

/// <summary>Identifies one actor: its type (<c>approval</c>, later <c>workflow</c>) and id.</summary>
public readonly record struct ActorKey(string Type, string Id)
{
    /// <summary>The actor type of approval requests.</summary>
    public const string Approval = "approval";

    /// <summary>The actor type of workflow runs.</summary>
    public const string Workflow = "workflow";

    /// <summary>The key of an approval request.</summary>
    public static ActorKey ForApproval(string id) => new(Approval, id);

    /// <summary>The key of a workflow run.</summary>
    public static ActorKey ForWorkflow(string id) => new(Workflow, id);

    public override string ToString() => $"{Type}/{Id}";
}

/// <summary>An approval as loaded: the state and the hash of its latest event (the chain head).</summary>
public sealed record StoredApproval(ApprovalState State, string? ChainHead);

/// <summary>
/// One actor's write: the new state (checked against <see cref="ExpectedVersion"/>) and its events,
/// which commit together or not at all.
/// </summary>
public abstract record StateWrite(ActorKey Key, long ExpectedVersion, IReadOnlyList<EventRecord> Events)
{
    /// <summary>The hash of the last event after this write; the next write chains from it.</summary>
    public abstract string? ChainHead { get; }

    /// <summary>
    /// The response of the idempotent request that caused this write, stored in the same transaction
    /// (upserting its record as completed), so a request is acknowledged exactly when its response can
    /// be replayed. Null when the request carried no Idempotency-Key. Kept only if the write commits.
    /// </summary>
    public IdempotencyCompletion? Idempotency { get; init; }
}

/// <summary>The replayable response of an idempotent request.</summary>
/// <param name="Scope">Who the key belongs to (tenant and caller).</param>
/// <param name="Key">The Idempotency-Key.</param>
/// <param name="RequestHash">The hash of the request it answers.</param>
/// <param name="StatusCode">The HTTP status of the response.</param>
/// <param name="ResponseBody">The response as stored for replay (status line aside).</param>
/// <param name="ExpiresAt">When the record may be forgotten.</param>
public sealed record IdempotencyCompletion(string Scope, string Key, string RequestHash, int StatusCode, string ResponseBody, DateTimeOffset ExpiresAt);

/// <summary>The write of an approval actor. <see cref="StateWrite.ExpectedVersion"/> 0 creates the row.</summary>
public sealed record ApprovalWrite(ApprovalState State, long ExpectedVersion, IReadOnlyList<EventRecord> Events, string? PreviousChainHead)
    : StateWrite(ActorKey.ForApproval(State.Id), ExpectedVersion, Events)
{
    public override string? ChainHead => Events.Count > 0 ? Events[^1].Hash : PreviousChainHead;
}

/// <summary>A workflow as loaded: the state and the hash of its latest event.</summary>
public sealed record StoredWorkflow(Workflows.WorkflowState State, string? ChainHead);

/// <summary>The write of a workflow actor. <see cref="StateWrite.ExpectedVersion"/> 0 creates the row.</summary>
public sealed record WorkflowWrite(Workflows.WorkflowState State, long ExpectedVersion, IReadOnlyList<EventRecord> Events, string? PreviousChainHead)
    : StateWrite(ActorKey.ForWorkflow(State.Id), ExpectedVersion, Events)
{
    public override string? ChainHead => Events.Count > 0 ? Events[^1].Hash : PreviousChainHead;
}

/// <summary>The filters of <c>GET /v1/workflows</c>; results are newest first.</summary>
public sealed record WorkflowQuery(string TenantId)
{
    public Workflows.WorkflowStatus? Status { get; init; }
    public int Limit { get; init; } = 20;
    /// <summary>Continue after this position (exclusive).</summary>
    public PageCursor? After { get; init; }
}

/// <summary>The result of one write of a batch.</summary>
public enum WriteOutcome
{
    /// <summary>The write committed with its events.</summary>
    Committed,
    /// <summary>Another writer changed the actor first (or created it); nothing of this write was kept.</summary>
    Conflict,
}

/// <summary>How a list of approvals is ordered.</summary>
public enum ApprovalOrder
{
    /// <summary>Newest first: creation time, then id, descending (<c>GET /v1/approvals</c>).</summary>
    Newest,
    /// <summary>
    /// Soonest deadline first: <c>expires_at</c>, then id, ascending (the reviewer inbox, where what
    /// runs out first is what needs a person first).
    /// </summary>
    Deadline,
}

/// <summary>The filters of <c>GET /v1/approvals</c>; results are newest first unless <see cref="Order"/> says otherwise.</summary>
public sealed record ApprovalQuery(string TenantId)
{
    public ApprovalOrder Order { get; init; } = ApprovalOrder.Newest;
    public ApprovalStatus? Status { get; init; }
    public RiskLevel? RiskLevel { get; init; }
    public string? AgentId { get; init; }
    public string? RequestedBy { get; init; }
    public string? WorkflowId { get; init; }
    public DateTimeOffset? CreatedAfter { get; init; }
    public DateTimeOffset? CreatedBefore { get; init; }
    public int Limit { get; init; } = 20;
    /// <summary>Continue after this position (exclusive).</summary>
    public PageCursor? After { get; init; }
}

/// <summary>
/// A keyset position in a list: the time the list is ordered by (creation time, or the deadline in
/// <see cref="ApprovalOrder.Deadline"/> order), then id.
/// </summary>
public sealed record PageCursor(DateTimeOffset At, string Id)
{
    /// <summary>An opaque, URL-safe text form.</summary>
    public string Encode()
    {
        var raw = Encoding.UTF8.GetBytes($"{At.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{Id}");
        return Convert.ToBase64String(raw).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Parses <see cref="Encode"/>'s form; false for anything else.</summary>
    public static bool TryDecode(string? text, out PageCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text) || text.Length > 1024)
        {
            return false;
        }
        try
        {
            var padded = text.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split('|', 2);
            if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks || parts[1].Length == 0
                || !InputText.IsClean(parts[1]))
            {
                return false;
            }
            cursor = new PageCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>One page of results and where the next starts (null at the end).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, PageCursor? Next);

/// <summary>A stored idempotency record: the request's hash and, once done, its response.</summary>
public sealed record IdempotencyRecord(
    string Scope,
    string Key,
    string RequestHash,
    bool Completed,
    int StatusCode,
    string? ResponseBody,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt);

/// <summary>Whether <see cref="IIdempotencyStore.TryBeginAsync"/> reserved the key or found it taken.</summary>
/// <param name="Started">True when this caller now owns the key and must complete or abandon it.</param>
/// <param name="Existing">The record already there when <paramref name="Started"/> is false.</param>
public sealed record IdempotencyClaim(bool Started, IdempotencyRecord? Existing);
