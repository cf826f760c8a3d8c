using System.Text.Json;
using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Approvals.Runtime.Tests.Support;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;

namespace Approvals.Runtime.Tests.Workflows;

/// <summary>Workflows over a real database, driven by a fake clock; subclassed once per backend.</summary>
public abstract class WorkflowRuntimeTests : IAsyncLifetime
{
    private readonly List<TestNode> _nodes = [];
    private Backend _backend = null!;

    protected FakeTimeProvider Clock { get; } = new();

    protected abstract Backend CreateBackend();

    public Task InitializeAsync()
    {
        _backend = CreateBackend();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
        await _backend.DisposeAsync();
    }

    private async Task<TestNode> StartNodeAsync(WorkflowOptions? options = null)
    {
        var node = new TestNode(await _backend.OpenStoreAsync(), Clock, workflows: options);
        _nodes.Add(node);
        return node;
    }

    private static readonly Principal Creator = People.Requester("user_ops");

    private static WorkflowStepDto Review(string? onSuccess = "execute", string? onFailure = "notify", string? delay = null, string expiresIn = "PT1H") => new()
    {
        Id = "review",
        Type = "approval",
        Approval = new CreateApprovalRequest { Title = "Remediate disk full on db-7", RiskScore = 30, ExpiresIn = expiresIn },
        OnSuccess = onSuccess,
        OnFailure = onFailure,
        DelayToNextStep = delay,
    };

    private static WorkflowStepDto TaskStep(string id, string? onSuccess = null, string? onFailure = null, string? timeout = null) =>
        new() { Id = id, Type = "task", OnSuccess = onSuccess, OnFailure = onFailure, Timeout = timeout };

    private static CreateWorkflowRequest Remediation(params WorkflowStepDto[] steps) => new()
    {
        Name = "remediate-disk-full",
        Input = JsonDocument.Parse("""{"host":"db-7"}""").RootElement,
        Steps = steps,
    };

    private static WorkflowState Ok(Result<WorkflowState> result)
    {
        Assert.True(result.IsSuccess, $"Expected success, got {result.Error?.Code}: {result.Error?.Detail}");
        return result.Value!;
    }

    private async Task<WorkflowState> StartAsync(TestNode node, CreateWorkflowRequest request)
    {
        var started = Ok(await node.Workflows.StartAsync(request, Creator, default));
        await node.SettleAsync();
        return (await node.Store.LoadWorkflowAsync(started.Id, default))!.State;
    }

    private static async Task<WorkflowState> ReloadAsync(TestNode node, string id) => (await node.Store.LoadWorkflowAsync(id, default))!.State;

    private static async Task<IReadOnlyList<string>> EventTypesAsync(TestNode node, string id) =>
        (await node.Store.ReadSubjectAsync(id, default)).Select(e => e.Type).ToList();

    [StoreFact]
    public async Task Approval_FilesTheRequest_ThenOnApprovalRunsOnSuccess_ThenCompletes()
    {
        var node = await StartNodeAsync();
        var wf = await StartAsync(node, Remediation(Review(), TaskStep("execute", onFailure: "notify"), TaskStep("notify")));

        Assert.Equal(WorkflowStatus.WaitingApproval, wf.Status);
        var approval = (await node.Store.LoadApprovalAsync(wf.PendingApprovalId!, default))!.State;
        Assert.Equal(wf.Id, approval.WorkflowId);
        Assert.Equal("review", approval.WorkflowStep);
        Assert.Equal("user_ops", approval.RequestedBy);

        Assert.True((await node.Approvals.ApproveAsync(approval.Id, People.Reviewer(), "go", null, default)).IsSuccess);
        await node.SettleAsync();
        wf = await ReloadAsync(node, wf.Id);
        Assert.Equal(WorkflowStatus.WaitingTask, wf.Status);
        Assert.Equal("execute", wf.CurrentStep);

        Ok(await node.Workflows.ReportTaskAsync(wf.Id, "execute", true, """{"freed_gb":40}""", null, People.AgentKey() with { Scopes = new HashSet<string> { Scopes.WorkflowsWrite } }, default));
        wf = await ReloadAsync(node, wf.Id);
        Assert.Equal(WorkflowStatus.Completed, wf.Status);
        Assert.Equal(["review", "execute"], wf.History.Select(h => h.Step));
        Assert.Equal(approval.Id, wf.History[0].ApprovalId);
        Assert.Equal(StepOutcome.Succeeded, wf.History[0].Outcome);
        Assert.Equal("""{"freed_gb":40}""", wf.History[1].OutputJson);
        Assert.All(wf.History, h => Assert.NotNull(h.EndedAt));
        Assert.Equal([WorkflowEventTypes.Started, WorkflowEventTypes.WaitingApproval, WorkflowEventTypes.Resumed, WorkflowEventTypes.TaskReady, WorkflowEventTypes.Completed],
            await EventTypesAsync(node, wf.Id));
    }

    [StoreFact]
    public async Task Rejection_TakesTheFailurePath()
    {
        var node = await StartNodeAsync();
        var wf = await StartAsync(node, Remediation(Review(), TaskStep("execute"), TaskStep("notify")));
        Assert.True((await node.Approvals.RejectAsync(wf.PendingApprovalId!, People.Reviewer(), "no", null, default)).IsSuccess);
        await node.SettleAsync();

        wf = await ReloadAsync(node, wf.Id);
        Assert.Equal(WorkflowStatus.WaitingTask, wf.Status);
        Assert.Equal("notify", wf.CurrentStep);
        Assert.Equal(StepOutcome.Failed, wf.History[0].Outcome);
        Assert.Equal("The approval was rejected.", wf.History[0].Error);
    }

    [StoreFact]
    public async Task Expiry_TakesTheFailurePath()
    {
        var node = await StartNodeAsync();
        var wf = await StartAsync(node, Remediation(Review(expiresIn: "PT1H"), TaskStep("execute"), TaskStep("notify")));
        Clock.Advance(TimeSpan.FromHours(1));
        await node.SettleAsync();

        wf = await ReloadAsync(node, wf.Id);
        Assert.Equal("notify", wf.CurrentStep);
        Assert.Equal("The approval was expired.", wf.History[0].Error);
    }

    [StoreFact]
    public async Task Failure_WithNoFailurePath_FailsTheWorkflow()
    {
        var node = await StartNodeAsync();
        var wf = await StartAsync(node, Remediation(Review(onFailure: null), TaskStep("execute"), TaskStep("notify")));
        Assert.True((await node.Approvals.RejectAsync(wf.PendingApprovalId!, People.Reviewer(), "no", null, default)).IsSuccess);
        await node.SettleAsync();

        wf = await ReloadAsync(node, wf.Id);
        Assert.Equal(WorkflowStatus.Failed, wf.Status);
        Assert.Equal(WorkflowEventTypes.Failed, (await EventTypesAsync(node, wf.Id))[^1]);
    }

    [StoreFact]
    public async Task DelayToNextStep_WaitsInDelayed_ThenStartsTheNextStep()
    {
        var node = await StartNodeAsync();
        var wf = await StartAsync(node, Remediation(Review(delay: "PT30S"), TaskStep("execute"), TaskStep("notify")));
        Assert.True((await node.Approvals.ApproveAsync(wf.PendingApprovalId!, People.Reviewer(), null, null, default)).IsSuccess);
        await node.SettleAsync();
        wf = await ReloadAsync(node, wf.Id);
        Assert.Equal(WorkflowStatus.Delayed, wf.Status);
        Assert.Equal("execute", wf.NextStep);

        Clock.Advance(TimeSpan.FromSeconds(29));
        await node.SettleAsync();
        Assert.Equal(WorkflowStatus.Delayed, (await ReloadAsync(node, wf.Id)).Status);

        Clock.Advance(TimeSpan.FromSeconds(1));
        await node.SettleAsync();
        wf = await ReloadAsync(node, wf.Id);
        Assert.Equal(WorkflowStatus.WaitingTask, wf.Status);
        Assert.Equal("execute", wf.CurrentStep);
    }

    [StoreFact]
    public async Task TaskTimeout_TakesTheFailurePath()
    {
        var node = await StartNodeAsync();
        var wf = await StartAsync(node, Remediation(TaskStep("execute", onFailure: "notify", timeout: "PT1H"), TaskStep("notify")));
        Assert.Equal(WorkflowStatus.WaitingTask, wf.Status);

        Clock.Advance(TimeSpan.FromHours(1));
        await node.SettleAsync();
        wf = await ReloadAsync(node, wf.Id);
        Assert.Equal("notify", wf.CurrentStep);
        Assert.Equal(StepOutcome.TimedOut, wf.History[0].Outcome);

        // A late report of the timed-out task is refused.
        Assert.Equal(WorkflowStateMachine.InvalidState,
            (await node.Workflows.ReportTaskAsync(wf.Id, "execute", true, null, null, Creator, default)).Error?.Code);
    }

    [StoreFact]
    public async Task Cancel_CancelsTheWorkflowAndItsPendingApproval()
    {
        var node = await StartNodeAsync();
        var wf = await StartAsync(node, Remediation(Review(), TaskStep("execute"), TaskStep("notify")));
        Ok(await node.Workflows.CancelAsync(wf.Id, Creator, "not needed", default));
        await node.SettleAsync();

        Assert.Equal(WorkflowStatus.Cancelled, (await ReloadAsync(node, wf.Id)).Status);
        Assert.Equal(ApprovalStatus.Cancelled, (await node.Store.LoadApprovalAsync(wf.PendingApprovalId!, default))!.State.Status);
        Assert.Equal(ErrorCodes.AlreadyResolved, (await node.Workflows.CancelAsync(wf.Id, Creator, null, default)).Error?.Code);
        Assert.Equal(WorkflowEventTypes.Cancelled, (await EventTypesAsync(node, wf.Id))[^1]);
    }

    [StoreFact]
    public async Task BadPlans_AreRefusedWithTheOffendingFields()
    {
        var node = await StartNodeAsync();
        async Task<IReadOnlyDictionary<string, string[]>> Refused(CreateWorkflowRequest request)
        {
            var result = await node.Workflows.StartAsync(request, Creator, default);
            Assert.Equal(ErrorCodes.ValidationError, result.Error?.Code);
            return result.Error!.Fields!;
        }

        Assert.Contains("steps", (await Refused(Remediation())).Keys);
        Assert.Contains("steps[0].on_success", (await Refused(Remediation(Review(onSuccess: "nowhere"), TaskStep("notify")))).Keys);
        Assert.Contains("steps[1].id", (await Refused(Remediation(TaskStep("a"), TaskStep("a")))).Keys);
        Assert.Contains("steps[0].approval", (await Refused(Remediation(new WorkflowStepDto { Id = "review", Type = "approval" }))).Keys);
        Assert.Contains("steps[0].type", (await Refused(Remediation(new WorkflowStepDto { Id = "x", Type = "sleep" }))).Keys);
        Assert.Contains("steps[0].approval.title", (await Refused(Remediation(Review() with { Approval = new CreateApprovalRequest() }, TaskStep("execute"), TaskStep("notify")))).Keys);
        Assert.Contains("name", (await Refused(Remediation(TaskStep("a")) with { Name = " " })).Keys);
    }

    [StoreFact]
    public async Task RedeliveredDecision_AdvancesTheWorkflowOnce()
    {
        var node = await StartNodeAsync();
        var wf = await StartAsync(node, Remediation(Review(), TaskStep("execute"), TaskStep("notify")));
        var approvalId = wf.PendingApprovalId!;
        Assert.True((await node.Approvals.ApproveAsync(approvalId, People.Reviewer(), null, null, default)).IsSuccess);
        await node.SettleAsync();
        var after = await ReloadAsync(node, wf.Id);

        var again = await node.Workflows.ApprovalDecidedAsync(wf.Id, approvalId, ApprovalStatus.Approved, default);
        Assert.Equal(WorkflowStateMachine.Ignored, again.Error?.Code);
        Assert.Equal(after.Version, (await ReloadAsync(node, wf.Id)).Version);
        Assert.Single(await EventTypesAsync(node, wf.Id), t => t == WorkflowEventTypes.Resumed);
    }

    [StoreFact]
    public async Task CrashBetweenDecisionAndResumption_ResumesAfterRestart_ExactlyOnce()
    {
        var first = await StartNodeAsync();
        var wf = await StartAsync(first, Remediation(Review(), TaskStep("execute"), TaskStep("notify")));
        // The decision commits; the process dies before its dispatcher delivered it.
        Assert.True((await first.Approvals.ApproveAsync(wf.PendingApprovalId!, People.Reviewer(), null, null, default)).IsSuccess);
        _nodes.Remove(first);
        await first.DisposeAsync();

        var second = await StartNodeAsync();
        await second.SettleAsync();
        await second.SettleAsync();
        wf = await ReloadAsync(second, wf.Id);
        Assert.Equal(WorkflowStatus.WaitingTask, wf.Status);
        Assert.Single(await EventTypesAsync(second, wf.Id), t => t == WorkflowEventTypes.Resumed);
    }

    [StoreFact]
    public async Task CrashBeforeTheApprovalWasFiled_FilesItOnceAfterRestart()
    {
        var node = await StartNodeAsync();
        // What a node commits when it starts a workflow, written as if the process died right after
        // the commit, before it filed the step's approval: the state with its pending effect, and the
        // effect's due-now timer.
        var now = Clock.GetUtcNow();
        var id = Ids.New("wf", now);
        var transition = WorkflowStateMachine.Decide(null, new WorkflowCommand.Start(id, Remediation(Review(), TaskStep("execute"), TaskStep("notify")), Creator),
            now, new ApprovalOptions(), new WorkflowOptions()).Value!;
        Assert.IsType<WorkflowEffect.FileApproval>(transition.State.PendingEffect);
        var committed = await node.Store.SaveAsync(
        [
            new WorkflowWrite(transition.State, 0, [], [new TimerChange(
                ActorKey.ForWorkflow(id), TimerChange.Effect, now)], null),
        ], default);
        Assert.Equal(WriteOutcome.Committed, committed[0]);
        Assert.Null(await node.Store.LoadApprovalAsync(transition.State.PendingApprovalId!, default));

        // After the restart the timer carries the effect out; running everything again files nothing more.
        await node.SettleAsync();
        await node.SettleAsync();
        var approval = await node.Store.LoadApprovalAsync(transition.State.PendingApprovalId!, default);
        Assert.NotNull(approval);
        Assert.Equal(id, approval.State.WorkflowId);
        Assert.Equal(1, await node.Store.CountAsync(Principal.DefaultTenant, ApprovalStatus.Pending, default));
        Assert.Null(await node.Store.NextDueAtAsync(default) is { } due && due <= Clock.GetUtcNow() ? due : null);
    }

    [StoreFact]
    public async Task StartingAWorkflow_FilesItsFirstApprovalBeforeReturning()
    {
        var node = await StartNodeAsync();
        var wf = Ok(await node.Workflows.StartAsync(Remediation(Review(), TaskStep("execute"), TaskStep("notify")), Creator, default));
        Assert.NotNull(await node.Store.LoadApprovalAsync(wf.PendingApprovalId!, default));
    }

    [StoreFact]
    public async Task IfMatch_OnAWorkflowCommand_IsChecked()
    {
        var node = await StartNodeAsync();
        var wf = await StartAsync(node, Remediation(TaskStep("execute")));
        var stale = await node.Workflows.SendAsync(wf.Id, new WorkflowCommand.Cancel(Creator, null), default, ifMatch: wf.Version - 1);
        Assert.Equal(ErrorCodes.PreconditionFailed, stale.Error?.Code);
        Assert.Equal(wf.Version, stale.Error?.CurrentVersion);
        Ok(await node.Workflows.SendAsync(wf.Id, new WorkflowCommand.Cancel(Creator, null), default, ifMatch: wf.Version));
    }

    [StoreFact]
    public async Task Loops_AreBoundedByTheStepRunLimit()
    {
        var node = await StartNodeAsync(new WorkflowOptions { MaxStepRuns = 3 });
        var wf = await StartAsync(node, Remediation(TaskStep("execute", onFailure: "execute")));
        for (var i = 0; i < 3; i++)
        {
            Ok(await node.Workflows.ReportTaskAsync(wf.Id, "execute", false, null, "still full", Creator, default));
        }
        wf = await ReloadAsync(node, wf.Id);
        Assert.Equal(WorkflowStatus.Failed, wf.Status);
        Assert.Equal(3, wf.History.Count);
    }
}

public sealed class SqliteWorkflowRuntimeTests : WorkflowRuntimeTests
{
    protected override Backend CreateBackend() => new SqliteBackend();
}

[RequiresPostgres]
public sealed class PostgresWorkflowRuntimeTests : WorkflowRuntimeTests
{
    protected override Backend CreateBackend() => new PostgresBackend();
}
