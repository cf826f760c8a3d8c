using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Workflows;

namespace Approvals.Core.Tests.TestSupport;

/// <summary>Starts workflows through <see cref="WorkflowStateMachine"/> for Core tests.</summary>
public static class WorkflowTestPlans
{
    public const string WorkflowId = "wf_test";

    /// <summary>A one-approval-step plan: the workflow waits on the approval it files.</summary>
    public static CreateWorkflowRequest ApprovalThenDone() => new()
    {
        Name = "rotate-credentials",
        Steps =
        [
            new WorkflowStepDto
            {
                Id = "review",
                Type = "approval",
                Approval = new CreateApprovalRequest { Title = "Rotate the credentials", RiskScore = 10, ExpiresIn = "PT1H" },
            },
        ],
    };

    /// <summary>Starts <see cref="ApprovalThenDone"/> as <paramref name="by"/> and asserts that it started.</summary>
    public static WorkflowTransition Start(Principal by, DateTimeOffset now)
    {
        var started = WorkflowStateMachine.Decide(null, new WorkflowCommand.Start(WorkflowId, ApprovalThenDone(), by), now,
            new ApprovalOptions(), new WorkflowOptions());
        Assert.True(started.IsSuccess, $"Expected the workflow to start: {started.Error}");
        return started.Value!;
    }

    public static Result<WorkflowTransition> Decide(WorkflowState state, WorkflowCommand command, DateTimeOffset now) =>
        WorkflowStateMachine.Decide(state, command, now, new ApprovalOptions(), new WorkflowOptions());
}
