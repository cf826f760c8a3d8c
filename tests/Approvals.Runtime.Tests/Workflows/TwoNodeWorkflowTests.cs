using System.Text.Json;
using Approvals.Contracts;
using Approvals.Core.Workflows;
using Approvals.Runtime.Tests.Support;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;

namespace Approvals.Runtime.Tests.Workflows;

/// <summary>Two nodes on one PostgreSQL database, both delivering decisions and both taking task reports.</summary>
[Collection(HeavyCollection.Name)]
public sealed class TwoNodeWorkflowTests : IAsyncLifetime
{
    private readonly PostgresBackend _backend = new();
    private readonly FakeTimeProvider _clock = new();
    private TestNode _a = null!;
    private TestNode _b = null!;

    public async Task InitializeAsync()
    {
        if (PostgresEnvironment.SkipReason is not null)
        {
            return;
        }
        _a = new TestNode(await _backend.OpenStoreAsync(), _clock);
        _b = new TestNode(await _backend.OpenStoreAsync(), _clock);
    }

    public async Task DisposeAsync()
    {
        if (_a is not null)
        {
            await _a.DisposeAsync();
            await _b.DisposeAsync();
        }
        await _backend.DisposeAsync();
    }

    [PostgresFact]
    public async Task TwoNodes_RacingOnTheSameWorkflows_AdvanceEachStepOnce()
    {
        const int count = 40;
        var request = new CreateWorkflowRequest
        {
            Name = "remediate",
            Input = JsonDocument.Parse("{}").RootElement,
            Steps =
            [
                new WorkflowStepDto { Id = "review", Type = "approval", Approval = new CreateApprovalRequest { Title = "Review", ExpiresIn = "PT1H" }, OnSuccess = "execute" },
                new WorkflowStepDto { Id = "execute", Type = "task" },
            ],
        };
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await (i % 2 == 0 ? _a : _b).Workflows.StartAsync(request, People.Requester(), default)).Value!.Id);
        }
        // Both nodes' timer services race to file the approvals.
        await Task.WhenAll(_a.SettleAsync(), _b.SettleAsync());

        var workflows = new List<WorkflowState>();
        foreach (var id in ids)
        {
            var wf = (await _a.Store.LoadWorkflowAsync(id, default))!.State;
            Assert.Equal(WorkflowStatus.WaitingApproval, wf.Status);
            Assert.NotNull(await _a.Store.LoadApprovalAsync(wf.PendingApprovalId!, default));
            workflows.Add(wf);
        }
        Assert.Equal(count, await _a.Store.CountAsync("default", ApprovalStatus.Pending, default));

        foreach (var wf in workflows)
        {
            Assert.True((await _b.Approvals.ApproveAsync(wf.PendingApprovalId!, People.Reviewer(), null, null, default)).IsSuccess);
        }
        // Both dispatchers deliver every decision, and both nodes also get a duplicate notice per workflow.
        await Task.WhenAll(
            _a.SettleAsync(),
            _b.SettleAsync(),
            Task.WhenAll(workflows.Select(wf => _a.Workflows.ApprovalDecidedAsync(wf.Id, wf.PendingApprovalId!, ApprovalStatus.Approved, default))),
            Task.WhenAll(workflows.Select(wf => _b.Workflows.ApprovalDecidedAsync(wf.Id, wf.PendingApprovalId!, ApprovalStatus.Approved, default))));

        // Two workers report each task, one through each node: one report wins.
        var reports = await Task.WhenAll(ids.SelectMany(id => new[]
        {
            _a.Workflows.ReportTaskAsync(id, "execute", true, """{"by":"a"}""", null, People.Requester(), default),
            _b.Workflows.ReportTaskAsync(id, "execute", true, """{"by":"b"}""", null, People.Requester(), default),
        }));
        Assert.Equal(count, reports.Count(r => r.IsSuccess));
        Assert.All(reports.Where(r => !r.IsSuccess), r => Assert.Contains(r.Error!.Code, new[] { WorkflowStateMachine.InvalidState, ErrorCodes.AlreadyResolved }));

        foreach (var id in ids)
        {
            var wf = (await _a.Store.LoadWorkflowAsync(id, default))!.State;
            Assert.Equal(WorkflowStatus.Completed, wf.Status);
            Assert.Equal(["review", "execute"], wf.History.Select(h => h.Step));
            var types = (await _b.Store.ReadSubjectAsync(id, default)).Select(e => e.Type).ToList();
            Assert.Equal([WorkflowEventTypes.Started, WorkflowEventTypes.WaitingApproval, WorkflowEventTypes.Resumed, WorkflowEventTypes.TaskReady, WorkflowEventTypes.Completed], types);
        }
        Assert.Equal(count, await _a.Store.CountAsync("default", ApprovalStatus.Approved, default));
    }
}
