using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Principals;
using Approvals.Core.Tests.TestSupport;
using Approvals.Testing;

namespace Approvals.Core.Tests.Approvals;

/// <summary>What holds for every transition: version + 1, one event of the right type and actor, decision fields.</summary>
public class TransitionInvariantTests
{
    /// <summary>One successful transition from a pending request: the state before, the command, what to expect.</summary>
    private sealed record Case(ApprovalState Before, ApprovalCommand Command, string EventType, string Actor, bool Terminal, string? Note);

    public static TheoryData<string> Transitions() => new(
        "approve", "vote", "reject", "cancel", "extend", "expire", "expire_reject", "expire_approve", "escalate", "expire_after_escalate");

    private static Case Arrange(ApprovalHarness h, string name)
    {
        switch (name)
        {
            case "approve":
                return new(h.Pending(), new ApprovalCommand.Approve(ApprovalHarness.Reviewer, "ok"), EventTypes.ApprovalApproved, "user_rev", true, "ok");
            case "vote":
                return new(h.Pending(policy: new PolicyDto(RequiredApprovals: 2)), new ApprovalCommand.Approve(ApprovalHarness.Reviewer, "ok"),
                    EventTypes.ApprovalDecisionRecorded, "user_rev", false, null);
            case "reject":
                return new(h.Pending(), new ApprovalCommand.Reject(ApprovalHarness.Manager, "no"), EventTypes.ApprovalRejected, "user_mgr", true, "no");
            case "cancel":
                return new(h.Pending(), new ApprovalCommand.Cancel(ApprovalHarness.Requester, "gone"), EventTypes.ApprovalCancelled, "user_req", true, "gone");
            case "extend":
                return new(h.Pending(), new ApprovalCommand.Extend(ApprovalHarness.Admin, h.Now.AddHours(3)), EventTypes.ApprovalExtended, "user_adm", false, null);
            case "expire":
            case "expire_reject":
            case "expire_approve":
            {
                var onExpiry = name == "expire" ? "expire" : name["expire_".Length..];
                var state = h.Pending(policy: new PolicyDto(OnExpiry: onExpiry));
                h.AdvanceTo(state.ExpiresAt);
                var type = onExpiry switch
                {
                    "reject" => EventTypes.ApprovalRejected,
                    "approve" => EventTypes.ApprovalApproved,
                    _ => EventTypes.ApprovalExpired,
                };
                return new(state, new ApprovalCommand.Expire(ApprovalHarness.Timer), type, "system", true, $"Deadline passed (on_expiry: {onExpiry}).");
            }
            case "escalate":
            {
                var state = h.Pending(policy: new PolicyDto(OnExpiry: "escalate"));
                h.AdvanceTo(state.ExpiresAt);
                return new(state, new ApprovalCommand.Expire(ApprovalHarness.Timer), EventTypes.ApprovalEscalated, "system", false, null);
            }
            case "expire_after_escalate":
            {
                var state = h.ExpireAtDeadline(h.Pending(policy: new PolicyDto(OnExpiry: "escalate"))).State;
                h.AdvanceTo(state.ExpiresAt);
                return new(state, new ApprovalCommand.Expire(ApprovalHarness.Timer), EventTypes.ApprovalExpired, "system", true,
                    "Deadline passed (on_expiry: escalate).");
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, null);
        }
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Transition_Succeeds_IncrementsVersionByExactlyOne(string name)
    {
        var h = new ApprovalHarness();
        var c = Arrange(h, name);
        h.Advance(TimeSpan.FromSeconds(1));

        var next = h.Apply(c.Before, c.Command);

        Assert.Equal(c.Before.Version + 1, next.Version);
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Transition_Succeeds_EmitsExactlyOneEventWithTypeAndActor(string name)
    {
        var h = new ApprovalHarness();
        var c = Arrange(h, name);

        var transition = h.Succeed(c.Before, c.Command);

        var e = Assert.Single(transition.Events);
        Assert.Equal(c.EventType, e.Type);
        Assert.Equal(c.Actor, e.Actor);
        Assert.Equal(c.Command.By.Id, e.Actor);
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Transition_Succeeds_SetsUpdatedAtAndKeepsIdentity(string name)
    {
        var h = new ApprovalHarness();
        var c = Arrange(h, name);
        h.Advance(TimeSpan.FromSeconds(1));

        var next = h.Apply(c.Before, c.Command);

        Assert.Equal(h.Now, next.UpdatedAt);
        Assert.Equal(c.Before.CreatedAt, next.CreatedAt);
        Assert.Equal(c.Before.Id, next.Id);
        Assert.Equal(c.Before.TenantId, next.TenantId);
        Assert.Equal(c.Before.RequestedBy, next.RequestedBy);
        Assert.Equal(c.Before.RiskScore, next.RiskScore);
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Transition_SetsDecidedFieldsOnlyWhenTerminal(string name)
    {
        var h = new ApprovalHarness();
        var c = Arrange(h, name);
        h.Advance(TimeSpan.FromSeconds(1));

        var next = h.Apply(c.Before, c.Command);

        Assert.Equal(c.Terminal, next.IsFinal);
        if (c.Terminal)
        {
            Assert.Equal(h.Now, next.DecidedAt);
            Assert.Equal(c.Actor, next.DecidedBy);
            Assert.Equal(c.Note, next.DecisionNote);
        }
        else
        {
            Assert.Null(next.DecidedAt);
            Assert.Null(next.DecidedBy);
            Assert.Null(next.DecisionNote);
        }
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Transition_LeavesTheGivenStateUntouched(string name)
    {
        var h = new ApprovalHarness();
        var c = Arrange(h, name);
        var status = c.Before.Status;
        var version = c.Before.Version;
        var decisions = c.Before.Decisions.Count;

        var next = h.Apply(c.Before, c.Command);

        Assert.NotSame(c.Before, next);
        Assert.Equal(status, c.Before.Status);
        Assert.Equal(version, c.Before.Version);
        Assert.Equal(decisions, c.Before.Decisions.Count);
    }

    [Fact]
    public void Create_GivesVersionOneAndRequestedEvent()
    {
        var h = new ApprovalHarness();
        var request = new CreateApprovalRequest
        {
            Title = "Send Q3 report to external partner",
            Summary = "Quarterly numbers",
            RequestedOperation = "send_email",
            Target = "gmail",
            ResourceScope = "external-recipients",
            DataClassification = "confidential",
            RiskScore = 72,
            Context = ApprovalHarness.Json("""{"recipient":"partner@example.com"}"""),
            AgentId = "agt_1",
            SessionId = "ses_1",
            TraceId = "trc_1",
            ExpiresIn = "PT4H",
            Policy = new PolicyDto(1, [Roles.SecurityManager], null, false, "expire"),
        };

        var transition = h.Succeed(null, new ApprovalCommand.Create("apr_42", request, ApprovalHarness.Requester, "wf_1", "review"));

        var s = transition.State;
        Assert.Equal(1, s.Version);
        Assert.Equal("apr_42", s.Id);
        Assert.Equal(Principal.DefaultTenant, s.TenantId);
        Assert.Equal(ApprovalStatus.Pending, s.Status);
        Assert.Equal("Quarterly numbers", s.Summary);
        Assert.Equal("send_email", s.RequestedOperation);
        Assert.Equal("gmail", s.Target);
        Assert.Equal("external-recipients", s.ResourceScope);
        Assert.Equal("confidential", s.DataClassification);
        Assert.Equal(RiskLevel.High, s.RiskLevel);
        Assert.Equal(3, s.RequiredApprovalLevel);
        Assert.Equal("""{"recipient":"partner@example.com"}""", s.ContextJson);
        Assert.Equal("user_req", s.RequestedBy);
        Assert.Equal("Rita Requester", s.RequestedByName);
        Assert.Equal("agt_1", s.AgentId);
        Assert.Equal("ses_1", s.SessionId);
        Assert.Equal("trc_1", s.TraceId);
        Assert.Equal("wf_1", s.WorkflowId);
        Assert.Equal("review", s.WorkflowStep);
        Assert.Equal([Roles.SecurityManager], s.Policy.ApproverRoles);
        Assert.Empty(s.Decisions);
        Assert.Equal(h.Now, s.CreatedAt);
        Assert.Equal(h.Now, s.UpdatedAt);
        Assert.Equal(h.Now.AddHours(4), s.ExpiresAt);
        Assert.Null(s.DecidedAt);
        Assert.Null(s.DecidedBy);
        Assert.Null(s.DecisionNote);
        Assert.False(s.Escalated);

        var e = Assert.Single(transition.Events);
        Assert.Equal(EventTypes.ApprovalRequested, e.Type);
        Assert.Equal("user_req", e.Actor);
        Assert.Equal("high", e.Data["risk_level"]!.GetValue<string>());
        Assert.Equal(72, e.Data["risk_score"]!.GetValue<int>());
        Assert.Equal(3, e.Data["required_approval_level"]!.GetValue<int>());
        Assert.Equal(EventHasher.FormatTime(s.ExpiresAt), e.Data["expires_at"]!.GetValue<string>());
        Assert.Equal("wf_1", e.Data["workflow_id"]!.GetValue<string>());
    }

    [Fact]
    public void Create_TenantComesFromThePrincipal()
    {
        var h = new ApprovalHarness();

        var state = h.Apply(null, ApprovalHarness.CreateCommand(by: People.Requester(tenant: "acme")));

        Assert.Equal("acme", state.TenantId);
    }

    [Theory]
    [InlineData(Roles.Requester)]
    [InlineData(Roles.Reviewer)]
    [InlineData(Roles.Manager)]
    [InlineData(Roles.SecurityManager)]
    [InlineData(Roles.Admin)]
    public void Create_ByRequesterRoleOrHigher_IsAccepted(string role)
    {
        var h = new ApprovalHarness();

        h.Apply(null, ApprovalHarness.CreateCommand(by: ApprovalHarness.Person("user_x", role)));
    }

    [Fact]
    public void Create_ByViewer_ReturnsForbidden()
    {
        var h = new ApprovalHarness();

        h.Refuse(null, ApprovalHarness.CreateCommand(by: ApprovalHarness.Viewer), ErrorCodes.Forbidden);
    }

    [Fact]
    public void Create_ByPersonWithoutRoles_ReturnsForbidden()
    {
        var h = new ApprovalHarness();

        h.Refuse(null, ApprovalHarness.CreateCommand(by: ApprovalHarness.Person("user_x")), ErrorCodes.Forbidden);
    }

    [Theory]
    [InlineData(Scopes.ApprovalsCreate)]
    [InlineData(Scopes.Admin)]
    public void Create_ByApiKeyWithCreateOrAdminScope_IsAccepted(string scope)
    {
        var h = new ApprovalHarness();
        var key = Principal.Key("key_x", "agent", [scope]);

        var state = h.Apply(null, ApprovalHarness.CreateCommand(by: key));

        Assert.Equal("key_x", state.RequestedBy);
    }

    [Theory]
    [InlineData(Scopes.ApprovalsRead)]
    [InlineData(Scopes.WorkflowsWrite)]
    [InlineData(Scopes.EventsRead)]
    public void Create_ByApiKeyWithoutCreateScope_ReturnsForbidden(string scope)
    {
        var h = new ApprovalHarness();

        h.Refuse(null, ApprovalHarness.CreateCommand(by: Principal.Key("key_x", "agent", [scope])), ErrorCodes.Forbidden);
    }

    [Fact]
    public void Create_ForbiddenIsCheckedBeforeValidation()
    {
        var h = new ApprovalHarness();

        h.Refuse(null, ApprovalHarness.CreateCommand(new CreateApprovalRequest(), ApprovalHarness.Viewer), ErrorCodes.Forbidden);
    }

    [Fact]
    public void Lifecycle_VersionsAreConsecutive()
    {
        var h = new ApprovalHarness();
        var state = h.Pending(policy: new PolicyDto(RequiredApprovals: 2, OnExpiry: "escalate"));
        var versions = new List<long> { state.Version };

        state = h.Apply(state, new ApprovalCommand.Approve(ApprovalHarness.Manager, null));
        versions.Add(state.Version);
        state = h.ExpireAtDeadline(state).State;
        versions.Add(state.Version);
        state = h.Apply(state, new ApprovalCommand.Extend(ApprovalHarness.Requester, h.Now.AddHours(2)));
        versions.Add(state.Version);
        state = h.Apply(state, new ApprovalCommand.Approve(ApprovalHarness.SecurityManager, "done"));
        versions.Add(state.Version);

        Assert.Equal([1L, 2L, 3L, 4L, 5L], versions);
        Assert.Equal(ApprovalStatus.Approved, state.Status);
    }

    [Fact]
    public void FailedCommand_ReturnsNoStateAndNoEvents()
    {
        var h = new ApprovalHarness();
        var state = h.Pending(riskScore: 90);

        var result = h.Decide(state, new ApprovalCommand.Approve(ApprovalHarness.Reviewer, null));

        Assert.False(result.IsSuccess);
        Assert.Null(result.Value);
        Assert.Equal(ErrorCodes.InsufficientApprovalLevel, result.Error!.Code);
    }

    [Fact]
    public void Commands_ReportTheirOperationNames()
    {
        var h = new ApprovalHarness();

        Assert.Equal(
            ["create", "approve", "reject", "cancel", "extend", "expire"],
            Enum.GetValues<CommandKind>().Select(k => h.Command(k).Operation));
    }
}
