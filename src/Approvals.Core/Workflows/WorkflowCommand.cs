using Approvals.Contracts;
using Approvals.Core.Principals;

namespace Approvals.Core.Workflows;

/// <summary>The commands a workflow actor accepts. A closed hierarchy.</summary>
public abstract record WorkflowCommand
{
    private WorkflowCommand() { }

    /// <summary>Who issues the command.</summary>
    public abstract Principal By { get; init; }

    /// <summary>The operation name used in metrics.</summary>
    public abstract string Operation { get; }

    /// <summary>Start a run with id <paramref name="Id"/>; the first step starts at once.</summary>
    public sealed record Start(string Id, CreateWorkflowRequest Request, Principal By) : WorkflowCommand
    {
        public override string Operation => "start";
    }

    /// <summary>
    /// The approval <paramref name="ApprovalId"/> reached a final status (from the event log), or
    /// could not be filed at all (<paramref name="Reason"/> says why).
    /// </summary>
    public sealed record ApprovalDecided(string ApprovalId, ApprovalStatus Outcome, Principal By, string? Reason = null) : WorkflowCommand
    {
        public override string Operation => "approval_decided";
    }

    /// <summary>A worker reports the task step <paramref name="Step"/> done or failed.</summary>
    public sealed record ReportTask(string Step, bool Succeeded, string? OutputJson, string? Error, Principal By) : WorkflowCommand
    {
        public override string Operation => Succeeded ? "complete_task" : "fail_task";
    }

    /// <summary>The wake timer fired (a delay or a task timeout); the actor checks the clock itself.</summary>
    public sealed record Wake(Principal By) : WorkflowCommand
    {
        public override string Operation => "wake";
    }

    /// <summary>Cancel the run and the approval it waits on.</summary>
    public sealed record Cancel(Principal By, string? Reason) : WorkflowCommand
    {
        public override string Operation => "cancel";
    }
}

/// <summary>The configurable limits of workflows.</summary>
public sealed class WorkflowOptions
{
    /// <summary>Step runs one workflow may make (loops are allowed up to this); then it fails.</summary>
    public int MaxStepRuns { get; set; } = 100;

    /// <summary>The most steps a plan may have.</summary>
    public const int MaxSteps = 100;
}
