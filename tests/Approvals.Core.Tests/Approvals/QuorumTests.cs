using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Tests.TestSupport;
using Approvals.Testing;

namespace Approvals.Core.Tests.Approvals;

/// <summary>required_approvals N: N distinct approvers approve; one rejection rejects.</summary>
public class QuorumTests
{
    private readonly ApprovalHarness _h = new();

    private ApprovalState PendingWithQuorum(int required) =>
        _h.Pending(policy: new PolicyDto(RequiredApprovals: required));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(ApprovalOptions.MaxRequiredApprovals)]
    public void Approve_QuorumOfN_IntermediateVotesRecordedAndNthApproves(int required)
    {
        var state = PendingWithQuorum(required);

        for (var vote = 1; vote <= required; vote++)
        {
            _h.Advance(TimeSpan.FromMinutes(1));
            var transition = _h.Succeed(state, new ApprovalCommand.Approve(People.Reviewer($"user_{vote}"), $"vote {vote}"));
            var e = Assert.Single(transition.Events);
            state = transition.State;

            Assert.Equal(vote, state.Decisions.Count);
            Assert.Equal(vote, e.Data["approvals"]!.GetValue<int>());
            Assert.Equal(required, e.Data["required_approvals"]!.GetValue<int>());
            Assert.Equal($"user_{vote}", e.Actor);
            if (vote < required)
            {
                Assert.Equal(EventTypes.ApprovalDecisionRecorded, e.Type);
                Assert.Equal(ApprovalStatus.Pending, state.Status);
                Assert.Equal("pending", e.Data["status"]!.GetValue<string>());
                Assert.Null(state.DecidedAt);
                Assert.Null(state.DecidedBy);
                Assert.Null(state.DecisionNote);
            }
            else
            {
                Assert.Equal(EventTypes.ApprovalApproved, e.Type);
                Assert.Equal(ApprovalStatus.Approved, state.Status);
                Assert.Equal(_h.Now, state.DecidedAt);
                Assert.Equal($"user_{vote}", state.DecidedBy);
                Assert.Equal($"vote {vote}", state.DecisionNote);
            }
        }
    }

    /// <summary>
    /// BUG: Approve builds the event data from the state before it sets Status = Approved, so the
    /// approval.approved event (webhooks, SSE, audit) says "status": "pending".
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Approve_DecidingVote_EventDataStatusIsApproved(int required)
    {
        var state = PendingWithQuorum(required);
        for (var vote = 1; vote < required; vote++)
        {
            state = _h.Apply(state, new ApprovalCommand.Approve(People.Reviewer($"user_{vote}"), null));
        }

        var transition = _h.Succeed(state, new ApprovalCommand.Approve(People.Manager("user_last"), null));

        var e = Assert.Single(transition.Events);
        Assert.Equal(EventTypes.ApprovalApproved, e.Type);
        Assert.Equal(ApprovalStatus.Approved, transition.State.Status);
        Assert.Equal("approved", e.Data["status"]!.GetValue<string>());
    }

    [Fact]
    public void Reject_EventDataStatusIsRejected()
    {
        var transition = _h.Succeed(PendingWithQuorum(2), new ApprovalCommand.Reject(ApprovalHarness.Reviewer, "no"));

        Assert.Equal("rejected", Assert.Single(transition.Events).Data["status"]!.GetValue<string>());
    }

    [Fact]
    public void Approve_IntermediateVote_RecordsTheDecision()
    {
        var state = PendingWithQuorum(2);
        _h.Advance(TimeSpan.FromMinutes(5));

        var next = _h.Apply(state, new ApprovalCommand.Approve(ApprovalHarness.Manager, "ok from me"));

        var decision = Assert.Single(next.Decisions);
        Assert.Equal(new Decision(DecisionKind.Approve, ApprovalHarness.Manager.Id, ApprovalHarness.Manager.Name, "ok from me", _h.Now), decision);
    }

    [Fact]
    public void Approve_AfterQuorumVoteBySamePerson_DoesNotAdvanceQuorum()
    {
        var state = PendingWithQuorum(2);
        state = _h.Apply(state, new ApprovalCommand.Approve(ApprovalHarness.Reviewer, null));

        _h.Refuse(state, new ApprovalCommand.Approve(ApprovalHarness.Reviewer, null), ErrorCodes.AlreadyDecided);

        Assert.Equal(ApprovalStatus.Pending, state.Status);
        Assert.Single(state.Decisions);
    }

    [Fact]
    public void Reject_MidQuorum_RejectsTheRequest()
    {
        var state = PendingWithQuorum(3);
        state = _h.Apply(state, new ApprovalCommand.Approve(People.Reviewer("user_1"), null));
        state = _h.Apply(state, new ApprovalCommand.Approve(People.Reviewer("user_2"), null));
        _h.Advance(TimeSpan.FromMinutes(3));

        var transition = _h.Succeed(state, new ApprovalCommand.Reject(People.Manager("user_3"), "not now"));

        var e = Assert.Single(transition.Events);
        Assert.Equal(EventTypes.ApprovalRejected, e.Type);
        Assert.Equal("user_3", e.Actor);
        Assert.Equal(2, e.Data["approvals"]!.GetValue<int>());
        var rejected = transition.State;
        Assert.Equal(ApprovalStatus.Rejected, rejected.Status);
        Assert.Equal("user_3", rejected.DecidedBy);
        Assert.Equal("not now", rejected.DecisionNote);
        Assert.Equal(_h.Now, rejected.DecidedAt);
        Assert.Equal([DecisionKind.Approve, DecisionKind.Approve, DecisionKind.Reject], rejected.Decisions.Select(d => d.Kind));
    }

    [Fact]
    public void Reject_FirstVoteOfQuorum_RejectsTheRequest()
    {
        var state = PendingWithQuorum(5);

        var rejected = _h.Apply(state, new ApprovalCommand.Reject(ApprovalHarness.Reviewer, "no"));

        Assert.Equal(ApprovalStatus.Rejected, rejected.Status);
    }

    [Fact]
    public void Approve_AfterMidQuorumRejection_ReturnsAlreadyResolved()
    {
        var state = PendingWithQuorum(2);
        state = _h.Apply(state, new ApprovalCommand.Approve(People.Reviewer("user_1"), null));
        state = _h.Apply(state, new ApprovalCommand.Reject(People.Reviewer("user_2"), null));

        var error = _h.Refuse(state, new ApprovalCommand.Approve(People.Reviewer("user_3"), null), ErrorCodes.AlreadyResolved);

        Assert.Equal(ApprovalStatus.Rejected, error.CurrentStatus);
    }

    [Fact]
    public void Approve_QuorumWithNamedApprovers_NeedsEachNamedPerson()
    {
        var state = _h.Pending(policy: new PolicyDto(RequiredApprovals: 2, Approvers: ["user_a", "user_b"]));

        _h.Refuse(state, new ApprovalCommand.Approve(People.Reviewer("user_c"), null), ErrorCodes.Forbidden);
        state = _h.Apply(state, new ApprovalCommand.Approve(People.Reviewer("user_a"), null));
        Assert.Equal(ApprovalStatus.Pending, state.Status);
        state = _h.Apply(state, new ApprovalCommand.Approve(People.Reviewer("user_b"), null));

        Assert.Equal(ApprovalStatus.Approved, state.Status);
    }

    [Fact]
    public void Approve_QuorumVotes_IncrementVersionEachTime()
    {
        var state = PendingWithQuorum(3);

        var versions = new List<long> { state.Version };
        for (var i = 1; i <= 3; i++)
        {
            state = _h.Apply(state, new ApprovalCommand.Approve(People.Reviewer($"user_{i}"), null));
            versions.Add(state.Version);
        }

        Assert.Equal([1L, 2L, 3L, 4L], versions);
    }
}
