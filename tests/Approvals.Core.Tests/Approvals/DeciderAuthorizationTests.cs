using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Tests.TestSupport;
using Approvals.Testing;

namespace Approvals.Core.Tests.Approvals;

/// <summary>Who may approve or reject: decider roles, people only, policy restrictions, no self-approval, once each.</summary>
public class DeciderAuthorizationTests
{
    private readonly ApprovalHarness _h = new();

    public static TheoryData<CommandKind> Decisions() => new(CommandKind.Approve, CommandKind.Reject);

    public static TheoryData<string, CommandKind> NonDeciderRoleTimesDecision() => new()
    {
        { Roles.Viewer, CommandKind.Approve },
        { Roles.Viewer, CommandKind.Reject },
        { Roles.Requester, CommandKind.Approve },
        { Roles.Requester, CommandKind.Reject },
    };

    public static TheoryData<string, CommandKind> DeciderRoleTimesDecision()
    {
        var data = new TheoryData<string, CommandKind>();
        foreach (var role in new[] { Roles.Reviewer, Roles.Manager, Roles.SecurityManager, Roles.Admin })
        {
            data.Add(role, CommandKind.Approve);
            data.Add(role, CommandKind.Reject);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(NonDeciderRoleTimesDecision))]
    public void Decide_ByNonDeciderRole_ReturnsForbidden(string role, CommandKind kind)
    {
        var state = _h.Pending();

        _h.Refuse(state, _h.Command(kind, ApprovalHarness.Person("user_other", role)), ErrorCodes.Forbidden);
    }

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_ByViewerWithHighLevelClaim_ReturnsForbidden(CommandKind kind)
    {
        var state = _h.Pending();

        _h.Refuse(state, _h.Command(kind, ApprovalHarness.PersonWithLevel("user_v", 4, Roles.Viewer)), ErrorCodes.Forbidden);
    }

    [Theory]
    [MemberData(nameof(DeciderRoleTimesDecision))]
    public void Decide_ByEachDeciderRoleOnLowRisk_IsAccepted(string role, CommandKind kind)
    {
        var state = _h.Pending();

        var next = _h.Apply(state, _h.Command(kind, ApprovalHarness.Person("user_d", role)));

        Assert.Equal(kind == CommandKind.Approve ? ApprovalStatus.Approved : ApprovalStatus.Rejected, next.Status);
    }

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_ByApiKey_ReturnsForbidden(CommandKind kind)
    {
        var state = _h.Pending();

        _h.Refuse(state, _h.Command(kind, ApprovalHarness.AgentKey), ErrorCodes.Forbidden);
    }

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_ByApiKeyWithAdminScope_ReturnsForbidden(CommandKind kind)
    {
        var state = _h.Pending();
        var adminKey = Principal.Key("key_admin", "ops", [Scopes.Admin, Scopes.ApprovalsCreate]);

        _h.Refuse(state, _h.Command(kind, adminKey), ErrorCodes.Forbidden);
    }

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_ByApiKeyNamedAsApprover_ReturnsForbidden(CommandKind kind)
    {
        var state = _h.Pending(policy: new PolicyDto(Approvers: [ApprovalHarness.AgentKey.Id]));

        _h.Refuse(state, _h.Command(kind, ApprovalHarness.AgentKey), ErrorCodes.Forbidden);
    }

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_BySystem_ReturnsForbidden(CommandKind kind)
    {
        var state = _h.Pending();

        _h.Refuse(state, _h.Command(kind, ApprovalHarness.Timer), ErrorCodes.Forbidden);
    }

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_RoleNotInApproverRoles_ReturnsForbidden(CommandKind kind)
    {
        var state = _h.Pending(policy: new PolicyDto(ApproverRoles: [Roles.SecurityManager]));

        _h.Refuse(state, _h.Command(kind, ApprovalHarness.Reviewer), ErrorCodes.Forbidden);
        _h.Refuse(state, _h.Command(kind, ApprovalHarness.Manager), ErrorCodes.Forbidden);
    }

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_AdminNotInApproverRoles_ReturnsForbidden(CommandKind kind)
    {
        var state = _h.Pending(policy: new PolicyDto(ApproverRoles: [Roles.SecurityManager]));

        _h.Refuse(state, _h.Command(kind, ApprovalHarness.Admin), ErrorCodes.Forbidden);
    }

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_RoleInApproverRoles_IsAccepted(CommandKind kind)
    {
        var state = _h.Pending(policy: new PolicyDto(ApproverRoles: [Roles.SecurityManager, Roles.Manager]));

        _h.Apply(state, _h.Command(kind, ApprovalHarness.SecurityManager));
        _h.Apply(state, _h.Command(kind, ApprovalHarness.Manager));
        _h.Apply(state, _h.Command(kind, ApprovalHarness.Person("user_multi", Roles.Reviewer, Roles.Manager)));
    }

    [Fact]
    public void Approve_ApproverRoleStillNeedsTheRequiredLevel()
    {
        var state = _h.Pending(riskScore: 70, policy: new PolicyDto(ApproverRoles: [Roles.Reviewer]));

        _h.Refuse(state, new ApprovalCommand.Approve(ApprovalHarness.Reviewer, null), ErrorCodes.InsufficientApprovalLevel);
    }

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_PersonNotNamedInApprovers_ReturnsForbidden(CommandKind kind)
    {
        var state = _h.Pending(policy: new PolicyDto(Approvers: ["user_42"]));

        _h.Refuse(state, _h.Command(kind, ApprovalHarness.Reviewer), ErrorCodes.Forbidden);
        _h.Refuse(state, _h.Command(kind, ApprovalHarness.Admin), ErrorCodes.Forbidden);
    }

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_PersonNamedInApprovers_IsAccepted(CommandKind kind)
    {
        var state = _h.Pending(policy: new PolicyDto(Approvers: ["user_42", "user_43"]));

        _h.Apply(state, _h.Command(kind, People.Reviewer("user_42")));
        _h.Apply(state, _h.Command(kind, People.Manager("user_43")));
    }

    [Fact]
    public void Approve_NamedApproverWithoutDeciderRole_ReturnsForbidden()
    {
        var state = _h.Pending(policy: new PolicyDto(Approvers: ["user_42"]));

        _h.Refuse(state, new ApprovalCommand.Approve(People.Viewer("user_42"), null), ErrorCodes.Forbidden);
    }

    [Fact]
    public void Approve_NamedApproverStillNeedsTheRequiredLevel()
    {
        var state = _h.Pending(riskScore: 40, policy: new PolicyDto(Approvers: ["user_42"]));

        _h.Refuse(state, new ApprovalCommand.Approve(People.Reviewer("user_42"), null), ErrorCodes.InsufficientApprovalLevel);
    }

    [Fact]
    public void Approve_RolesAndNamedApprovers_BothMustMatch()
    {
        var state = _h.Pending(policy: new PolicyDto(ApproverRoles: [Roles.Manager], Approvers: ["user_42"]));

        _h.Refuse(state, new ApprovalCommand.Approve(People.Reviewer("user_42"), null), ErrorCodes.Forbidden);
        _h.Refuse(state, new ApprovalCommand.Approve(People.Manager("user_43"), null), ErrorCodes.Forbidden);
        _h.Apply(state, new ApprovalCommand.Approve(People.Manager("user_42"), null));
    }

    // ---- self-approval ----

    private static readonly Principal RequesterWhoReviews =
        ApprovalHarness.Person("user_self", Roles.Requester, Roles.Reviewer);

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_OwnRequest_ReturnsSelfApprovalForbidden(CommandKind kind)
    {
        var state = _h.Pending(requestedBy: RequesterWhoReviews);

        _h.Refuse(state, _h.Command(kind, RequesterWhoReviews), ErrorCodes.SelfApprovalForbidden);
    }

    [Fact]
    public void Approve_OwnRequestAsAdmin_ReturnsSelfApprovalForbidden()
    {
        var state = _h.Pending(requestedBy: ApprovalHarness.Admin);

        _h.Refuse(state, new ApprovalCommand.Approve(ApprovalHarness.Admin, null), ErrorCodes.SelfApprovalForbidden);
    }

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_OwnRequestWithAllowSelfApproval_IsAccepted(CommandKind kind)
    {
        var state = _h.Pending(requestedBy: RequesterWhoReviews, policy: new PolicyDto(AllowSelfApproval: true));

        var next = _h.Apply(state, _h.Command(kind, RequesterWhoReviews));

        Assert.Equal(RequesterWhoReviews.Id, next.DecidedBy);
    }

    [Fact]
    public void Approve_OwnRequestWithAllowSelfApproval_StillNeedsTheRequiredLevel()
    {
        var state = _h.Pending(riskScore: 40, requestedBy: RequesterWhoReviews, policy: new PolicyDto(AllowSelfApproval: true));

        _h.Refuse(state, new ApprovalCommand.Approve(RequesterWhoReviews, null), ErrorCodes.InsufficientApprovalLevel);
    }

    // ---- once per person ----

    [Fact]
    public void Approve_SamePersonTwice_ReturnsAlreadyDecided()
    {
        var state = _h.Pending(policy: new PolicyDto(RequiredApprovals: 2));
        var afterFirst = _h.Apply(state, new ApprovalCommand.Approve(ApprovalHarness.Reviewer, "first"));

        _h.Refuse(afterFirst, new ApprovalCommand.Approve(ApprovalHarness.Reviewer, "again"), ErrorCodes.AlreadyDecided);
    }

    [Fact]
    public void Reject_AfterOwnApprovalVote_ReturnsAlreadyDecided()
    {
        var state = _h.Pending(policy: new PolicyDto(RequiredApprovals: 2));
        var afterFirst = _h.Apply(state, new ApprovalCommand.Approve(ApprovalHarness.Reviewer, "first"));

        _h.Refuse(afterFirst, new ApprovalCommand.Reject(ApprovalHarness.Reviewer, "changed my mind"), ErrorCodes.AlreadyDecided);
    }

    [Fact]
    public void Approve_SamePersonTwiceWithDifferentRoles_ReturnsAlreadyDecided()
    {
        var state = _h.Pending(policy: new PolicyDto(RequiredApprovals: 2));
        var afterFirst = _h.Apply(state, new ApprovalCommand.Approve(People.Reviewer("user_same"), null));

        _h.Refuse(afterFirst, new ApprovalCommand.Approve(People.Admin("user_same"), null), ErrorCodes.AlreadyDecided);
    }

    [Fact]
    public void Forbidden_ApiKeyCheckComesBeforeEverythingElse()
    {
        // A key that filed the request and is named as approver is refused as a key, not as the requester.
        var state = _h.Pending(requestedBy: ApprovalHarness.AgentKey);

        _h.Refuse(state, new ApprovalCommand.Approve(ApprovalHarness.AgentKey, null), ErrorCodes.Forbidden);
    }
}
