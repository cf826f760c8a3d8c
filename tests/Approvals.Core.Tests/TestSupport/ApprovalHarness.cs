using System.Text.Json;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Testing;

namespace Approvals.Core.Tests.TestSupport;

/// <summary>The commands of the approval state machine, by name (serialisable theory data).</summary>
public enum CommandKind
{
    Create,
    Approve,
    Reject,
    Cancel,
    Extend,
    Expire,
}

/// <summary>
/// Drives <see cref="ApprovalStateMachine"/> with a fake clock: "a pending request with policy X",
/// commands that would succeed on a pending request, and assertions that a command succeeds or is refused.
/// </summary>
public sealed class ApprovalHarness
{
    public const string ApprovalId = "apr_test";

    /// <summary>The <c>expires_in</c> of <see cref="Request"/>.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromHours(1);

    public static Principal Requester { get; } = People.Requester();
    public static Principal Reviewer { get; } = People.Reviewer();
    public static Principal Manager { get; } = People.Manager();
    public static Principal SecurityManager { get; } = People.SecurityManager();
    public static Principal Admin { get; } = People.Admin();
    public static Principal Viewer { get; } = People.Viewer();
    public static Principal AgentKey { get; } = People.AgentKey();

    /// <summary>Approvals itself, as the expiry timer.</summary>
    public static Principal Timer { get; } = Principal.System(Principal.DefaultTenant);

    public FakeTimeProvider Clock { get; } = new();

    public ApprovalOptions Options { get; } = new();

    public DateTimeOffset Now => Clock.GetUtcNow();

    public void Advance(TimeSpan by) => Clock.Advance(by);

    /// <summary>Moves the clock to <paramref name="at"/> (which must not lie in the past).</summary>
    public void AdvanceTo(DateTimeOffset at) => Clock.SetUtcNow(at);

    /// <summary>A person with exactly the given roles (and optionally an <c>approval_level</c> claim).</summary>
    public static Principal Person(string id, params string[] roles) => Principal.Person(id, $"Name of {id}", roles);

    public static Principal PersonWithLevel(string id, int approvalLevel, params string[] roles) =>
        Principal.Person(id, $"Name of {id}", roles, approvalLevel: approvalLevel);

    /// <summary>A valid create body: a title, a risk score, one hour to decide and an optional policy.</summary>
    public static CreateApprovalRequest Request(int riskScore = 0, PolicyDto? policy = null) => new()
    {
        Title = "Send Q3 report to external partner",
        RiskScore = riskScore,
        ExpiresIn = "PT1H",
        Policy = policy,
    };

    public static ApprovalCommand.Create CreateCommand(CreateApprovalRequest? request = null, Principal? by = null) =>
        new(ApprovalId, request ?? Request(), by ?? Requester);

    public Result<ApprovalTransition> Decide(ApprovalState? state, ApprovalCommand command) =>
        ApprovalStateMachine.Decide(state, command, Now, Options);

    /// <summary>Applies the command and asserts that it succeeded.</summary>
    public ApprovalTransition Succeed(ApprovalState? state, ApprovalCommand command)
    {
        var result = Decide(state, command);
        Assert.True(result.IsSuccess, $"Expected {command.Operation} to succeed but it failed: {result.Error}");
        Assert.NotNull(result.Value);
        return result.Value;
    }

    /// <summary>Applies the command, asserts that it succeeded and returns the new state.</summary>
    public ApprovalState Apply(ApprovalState? state, ApprovalCommand command) => Succeed(state, command).State;

    /// <summary>Applies the command and asserts that it was refused without a new state.</summary>
    public DomainError Refuse(ApprovalState? state, ApprovalCommand command)
    {
        var result = Decide(state, command);
        Assert.False(result.IsSuccess, $"Expected {command.Operation} to be refused but it succeeded.");
        Assert.Null(result.Value);
        Assert.NotNull(result.Error);
        return result.Error;
    }

    /// <summary>Asserts a refusal with the given code.</summary>
    public DomainError Refuse(ApprovalState? state, ApprovalCommand command, string expectedCode)
    {
        var error = Refuse(state, command);
        Assert.Equal(expectedCode, error.Code);
        return error;
    }

    /// <summary>A pending request filed now by <paramref name="requestedBy"/> (default: the requester).</summary>
    public ApprovalState Pending(int riskScore = 0, PolicyDto? policy = null, Principal? requestedBy = null) =>
        Apply(null, CreateCommand(Request(riskScore, policy), requestedBy));

    /// <summary>Moves the clock to the request's deadline and fires the expiry timer.</summary>
    public ApprovalTransition ExpireAtDeadline(ApprovalState state)
    {
        AdvanceTo(state.ExpiresAt);
        return Succeed(state, new ApprovalCommand.Expire(Timer));
    }

    /// <summary>A request brought into <paramref name="status"/> through the state machine itself.</summary>
    public ApprovalState InStatus(ApprovalStatus status)
    {
        var pending = Pending();
        var state = status switch
        {
            ApprovalStatus.Pending => pending,
            ApprovalStatus.Approved => Apply(pending, new ApprovalCommand.Approve(Reviewer, "fine")),
            ApprovalStatus.Rejected => Apply(pending, new ApprovalCommand.Reject(Reviewer, "too risky")),
            ApprovalStatus.Cancelled => Apply(pending, new ApprovalCommand.Cancel(Requester, "withdrawn")),
            ApprovalStatus.Expired => ExpireAtDeadline(pending).State,
            _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
        };
        Assert.Equal(status, state.Status);
        return state;
    }

    /// <summary>
    /// A command of <paramref name="kind"/> from its rightful actor, that a pending request accepts
    /// (expire: once the clock has reached the deadline).
    /// </summary>
    public ApprovalCommand Command(CommandKind kind) => kind switch
    {
        CommandKind.Create => CreateCommand(),
        CommandKind.Approve => new ApprovalCommand.Approve(Reviewer, "looks fine"),
        CommandKind.Reject => new ApprovalCommand.Reject(Reviewer, "too risky"),
        CommandKind.Cancel => new ApprovalCommand.Cancel(Requester, "no longer needed"),
        CommandKind.Extend => new ApprovalCommand.Extend(Requester, Now + TimeSpan.FromHours(2)),
        CommandKind.Expire => new ApprovalCommand.Expire(Timer),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The same command kind, issued by <paramref name="by"/>.</summary>
    public ApprovalCommand Command(CommandKind kind, Principal by) => kind switch
    {
        CommandKind.Create => CreateCommand(by: by),
        CommandKind.Approve => new ApprovalCommand.Approve(by, "looks fine"),
        CommandKind.Reject => new ApprovalCommand.Reject(by, "too risky"),
        CommandKind.Cancel => new ApprovalCommand.Cancel(by, "no longer needed"),
        CommandKind.Extend => new ApprovalCommand.Extend(by, Now + TimeSpan.FromHours(2)),
        CommandKind.Expire => new ApprovalCommand.Expire(by),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Parses JSON text into the element a create body carries.</summary>
    public static JsonElement Json(string text) => JsonSerializer.Deserialize<JsonElement>(text);
}
