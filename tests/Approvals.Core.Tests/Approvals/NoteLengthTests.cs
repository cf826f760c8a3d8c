using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Testing;

namespace Approvals.Core.Tests.Approvals;

public sealed class NoteLengthTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private static ApprovalState Pending() =>
        ApprovalStateMachine.Decide(null, new ApprovalCommand.Create("apr_1", new CreateApprovalRequest { Title = "t", ExpiresIn = "PT1H" }, People.Requester()),
            Now, new ApprovalOptions()).Value!.State;

    public static TheoryData<string> Commands => ["approve", "reject", "cancel"];

    [Theory]
    [MemberData(nameof(Commands))]
    public void NoteOverTheLimit_IsAValidationError_AndChangesNothing(string kind)
    {
        var note = new string('x', ApprovalStateMachine.MaxNoteLength + 1);
        ApprovalCommand command = kind switch
        {
            "approve" => new ApprovalCommand.Approve(People.Reviewer(), note),
            "reject" => new ApprovalCommand.Reject(People.Reviewer(), note),
            _ => new ApprovalCommand.Cancel(People.Requester(), note),
        };

        var result = ApprovalStateMachine.Decide(Pending(), command, Now, new ApprovalOptions());

        Assert.Equal(ErrorCodes.ValidationError, result.Error?.Code);
    }

    [Fact]
    public void NoteAtTheLimit_IsAccepted() =>
        Assert.True(ApprovalStateMachine.Decide(Pending(), new ApprovalCommand.Approve(People.Reviewer(), new string('x', ApprovalStateMachine.MaxNoteLength)),
            Now, new ApprovalOptions()).IsSuccess);
}
