using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Tests.TestSupport;

namespace Approvals.Core.Tests.Approvals;

/// <summary>Every status × every command: pending accepts per the rules, final statuses refuse everything.</summary>
public class StatusCommandMatrixTests
{
    private static readonly ApprovalStatus[] FinalStatuses =
        [ApprovalStatus.Approved, ApprovalStatus.Rejected, ApprovalStatus.Expired, ApprovalStatus.Cancelled];

    private static readonly CommandKind[] CommandsOnExisting =
        [CommandKind.Approve, CommandKind.Reject, CommandKind.Cancel, CommandKind.Extend, CommandKind.Expire];

    public static TheoryData<ApprovalStatus, CommandKind> FinalStatusTimesCommand()
    {
        var data = new TheoryData<ApprovalStatus, CommandKind>();
        foreach (var status in FinalStatuses)
        {
            foreach (var kind in CommandsOnExisting)
            {
                data.Add(status, kind);
            }
        }
        return data;
    }

    public static TheoryData<ApprovalStatus> EveryStatus() =>
        new(Enum.GetValues<ApprovalStatus>());

    public static TheoryData<CommandKind> EveryCommandOnExisting() => new(CommandsOnExisting);

    public static TheoryData<CommandKind, ApprovalStatus, string> PendingAccepts() => new()
    {
        { CommandKind.Approve, ApprovalStatus.Approved, EventTypes.ApprovalApproved },
        { CommandKind.Reject, ApprovalStatus.Rejected, EventTypes.ApprovalRejected },
        { CommandKind.Cancel, ApprovalStatus.Cancelled, EventTypes.ApprovalCancelled },
        { CommandKind.Extend, ApprovalStatus.Pending, EventTypes.ApprovalExtended },
        { CommandKind.Expire, ApprovalStatus.Expired, EventTypes.ApprovalExpired },
    };

    [Theory]
    [MemberData(nameof(FinalStatusTimesCommand))]
    public void Command_OnFinalStatus_ReturnsAlreadyResolvedWithCurrentStatus(ApprovalStatus status, CommandKind kind)
    {
        var h = new ApprovalHarness();
        var state = h.InStatus(status);
        // Past the original deadline, so that even an expire would be due on a pending request.
        h.Advance(TimeSpan.FromHours(2));

        var error = h.Refuse(state, h.Command(kind), ErrorCodes.AlreadyResolved);

        Assert.Equal(status, error.CurrentStatus);
    }

    [Theory]
    [MemberData(nameof(FinalStatusTimesCommand))]
    public void Command_OnFinalStatus_RefusesEvenAnAdmin(ApprovalStatus status, CommandKind kind)
    {
        var h = new ApprovalHarness();
        var state = h.InStatus(status);
        h.Advance(TimeSpan.FromHours(2));

        var error = h.Refuse(state, h.Command(kind, ApprovalHarness.Admin), ErrorCodes.AlreadyResolved);

        Assert.Equal(status, error.CurrentStatus);
    }

    [Theory]
    [MemberData(nameof(PendingAccepts))]
    public void Command_OnPending_IsAccepted(CommandKind kind, ApprovalStatus expectedStatus, string expectedEvent)
    {
        var h = new ApprovalHarness();
        var pending = h.InStatus(ApprovalStatus.Pending);
        if (kind == CommandKind.Expire)
        {
            h.AdvanceTo(pending.ExpiresAt);
        }

        var transition = h.Succeed(pending, h.Command(kind));

        Assert.Equal(expectedStatus, transition.State.Status);
        Assert.Equal(expectedEvent, Assert.Single(transition.Events).Type);
        Assert.Equal(pending.Version + 1, transition.State.Version);
    }

    [Theory]
    [MemberData(nameof(EveryStatus))]
    public void Create_OnExistingState_IsRefusedAndLeavesNoState(ApprovalStatus status)
    {
        var h = new ApprovalHarness();
        var state = h.InStatus(status);

        var error = h.Refuse(state, ApprovalHarness.CreateCommand(), ErrorCodes.ValidationError);

        Assert.NotNull(error.Fields);
        Assert.Contains("id", error.Fields.Keys);
    }

    [Theory]
    [MemberData(nameof(EveryCommandOnExisting))]
    public void Command_OnMissingState_ReturnsNotFound(CommandKind kind)
    {
        var h = new ApprovalHarness();

        h.Refuse(null, h.Command(kind), ErrorCodes.NotFound);
    }

    [Fact]
    public void Create_OnMissingState_CreatesPendingRequest()
    {
        var h = new ApprovalHarness();

        var transition = h.Succeed(null, ApprovalHarness.CreateCommand());

        Assert.Equal(ApprovalStatus.Pending, transition.State.Status);
        Assert.Equal(EventTypes.ApprovalRequested, Assert.Single(transition.Events).Type);
    }
}
