using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Runtime.Approvals;
using Approvals.Runtime.Tests.Support;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;

namespace Approvals.Runtime.Tests.Approvals;

/// <summary>The approval actors over a real database; subclassed once per backend.</summary>
public abstract class ApprovalRuntimeTests : IAsyncLifetime
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

    protected async Task<TestNode> StartNodeAsync(ApprovalOptions? options = null, TimeProvider? clock = null)
    {
        var node = new TestNode(await _backend.OpenStoreAsync(), clock ?? Clock, options);
        _nodes.Add(node);
        return node;
    }

    protected async Task StopNodeAsync(TestNode node)
    {
        _nodes.Remove(node);
        await node.DisposeAsync();
    }

    private static ApprovalState Ok(Result<ApprovalState> result)
    {
        Assert.True(result.IsSuccess, $"Expected success, got {result.Error?.Code}: {result.Error?.Detail}");
        return result.Value!;
    }

    [StoreFact]
    public async Task HundredConcurrentDecisions_OnOneId_EndWithExactlyOneDecisionAndOneTerminalEvent()
    {
        var node = await StartNodeAsync();
        var created = Ok(await node.Approvals.CreateAsync(Requests.Simple(), People.Requester(), default));

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() => i % 2 == 0
            ? node.Approvals.ApproveAsync(created.Id, People.Reviewer($"rev_{i}"), $"ok {i}", null, default)
            : node.Approvals.RejectAsync(created.Id, People.Reviewer($"rev_{i}"), $"no {i}", null, default))));

        var winners = results.Where(r => r.IsSuccess).ToList();
        var winner = Assert.Single(winners).Value!;
        Assert.All(results.Where(r => !r.IsSuccess), r =>
        {
            Assert.Equal(ErrorCodes.AlreadyResolved, r.Error!.Code);
            Assert.Equal(winner.Status, r.Error.CurrentStatus);
        });

        var stored = (await node.Store.LoadApprovalAsync(created.Id, default))!.State;
        Assert.Equal(winner.Status, stored.Status);
        Assert.Equal(winner.DecidedBy, stored.DecidedBy);
        Assert.Single(stored.Decisions);
        Assert.Equal(2, stored.Version);

        var events = await node.Store.ReadSubjectAsync(created.Id, default);
        Assert.Equal([EventTypes.ApprovalRequested, winner.Status == ApprovalStatus.Approved ? EventTypes.ApprovalApproved : EventTypes.ApprovalRejected],
            events.Select(e => e.Type));
        Assert.Null(await node.Store.NextDueAtAsync(default));
    }

    [StoreFact]
    public async Task Create_PersistsStateEventAndExpiryTimer()
    {
        var node = await StartNodeAsync();
        var created = Ok(await node.Approvals.CreateAsync(Requests.Simple(risk: 72), People.AgentKey(), default));

        Assert.StartsWith("apr_", created.Id);
        Assert.Equal(3, created.RequiredApprovalLevel);
        Assert.Equal(Clock.GetUtcNow() + TimeSpan.FromHours(1), created.ExpiresAt);
        var stored = await node.Store.LoadApprovalAsync(created.Id, default);
        Assert.Equal(created.Version, stored!.State.Version);
        var e = Assert.Single(await node.Store.ReadSubjectAsync(created.Id, default));
        Assert.Equal(EventTypes.ApprovalRequested, e.Type);
        Assert.Equal("key_agent", e.Actor);
        Assert.StartsWith("evt_", e.Id);
        Assert.Equal(stored.ChainHead, e.Hash);
        Assert.Equal(created.ExpiresAt, await node.Store.NextDueAtAsync(default));
    }

    [StoreFact]
    public async Task Events_FormAHashChainPerSubject()
    {
        var node = await StartNodeAsync();
        var created = Ok(await node.Approvals.CreateAsync(Requests.Simple(requiredApprovals: 2), People.Requester(), default));
        Ok(await node.Approvals.ExtendAsync(created.Id, People.Requester(), Clock.GetUtcNow().AddHours(3), null, default));
        Ok(await node.Approvals.ApproveAsync(created.Id, People.Reviewer("r1"), "one", null, default));
        Ok(await node.Approvals.ApproveAsync(created.Id, People.Reviewer("r2"), "two", null, default));

        var events = await node.Store.ReadSubjectAsync(created.Id, default);
        Assert.Equal([EventTypes.ApprovalRequested, EventTypes.ApprovalExtended, EventTypes.ApprovalDecisionRecorded, EventTypes.ApprovalApproved],
            events.Select(e => e.Type));
        string? previous = null;
        foreach (var e in events)
        {
            Assert.Equal(previous, e.PrevHash);
            Assert.Equal(EventHasher.ComputeHash(e), e.Hash);
            previous = e.Hash;
        }
    }

    [StoreFact]
    public async Task StaleActorOnAnotherNode_ReloadsAfterConflict_AndLosesNoDecision()
    {
        var nodeA = await StartNodeAsync();
        var nodeB = await StartNodeAsync();
        var created = Ok(await nodeA.Approvals.CreateAsync(Requests.Simple(requiredApprovals: 3), People.Requester(), default));

        Ok(await nodeA.Approvals.ApproveAsync(created.Id, People.Reviewer("r1"), null, null, default)); // A caches version 2
        Ok(await nodeB.Approvals.ApproveAsync(created.Id, People.Reviewer("r2"), null, null, default)); // B writes version 3
        var final = Ok(await nodeA.Approvals.ApproveAsync(created.Id, People.Reviewer("r3"), null, null, default)); // A is stale

        Assert.Equal(ApprovalStatus.Approved, final.Status);
        Assert.Equal(["r1", "r2", "r3"], final.Decisions.Select(d => d.By));
        Assert.Equal(4, final.Version);
    }

    [StoreFact]
    public async Task StaleActor_RefusesOnlyAfterReadingFreshState()
    {
        var nodeA = await StartNodeAsync();
        var nodeB = await StartNodeAsync();
        var created = Ok(await nodeA.Approvals.CreateAsync(Requests.Simple(), People.Requester(), default));
        Ok(await nodeA.Approvals.ExtendAsync(created.Id, People.Requester(), Clock.GetUtcNow().AddHours(5), null, default));

        // B moves the deadline earlier; A still believes the later one. When the timer fires on A,
        // A must not refuse as "not due" from its stale copy.
        Ok(await nodeB.Approvals.ExtendAsync(created.Id, People.Requester(), Clock.GetUtcNow().AddMinutes(10), null, default));
        Clock.Advance(TimeSpan.FromMinutes(11));
        var expired = Ok(await nodeA.Approvals.ExpireAsync(created.Id, default));
        Assert.Equal(ApprovalStatus.Expired, expired.Status);
    }

    [StoreFact]
    public async Task IfMatch_WithAnOldVersion_IsPreconditionFailed_AndChangesNothing()
    {
        var node = await StartNodeAsync();
        var created = Ok(await node.Approvals.CreateAsync(Requests.Simple(requiredApprovals: 2), People.Requester(), default));
        Ok(await node.Approvals.ApproveAsync(created.Id, People.Reviewer("r1"), null, ifMatch: 1, default));

        var refused = await node.Approvals.ApproveAsync(created.Id, People.Reviewer("r2"), null, ifMatch: 1, default);

        Assert.Equal(ErrorCodes.PreconditionFailed, refused.Error?.Code);
        Assert.Equal(2, refused.Error?.CurrentVersion);
        Assert.Equal(2, (await node.Store.LoadApprovalAsync(created.Id, default))!.State.Version);
    }

    [StoreFact]
    public async Task AnotherTenantsRequest_IsNotFound_ForReadsAndCommands()
    {
        var node = await StartNodeAsync();
        var created = Ok(await node.Approvals.CreateAsync(Requests.Simple(), People.Requester(tenant: "acme"), default));
        var outsider = People.Reviewer(tenant: "globex");

        Assert.Equal(ErrorCodes.NotFound, (await node.Approvals.GetAsync(created.Id, outsider, default)).Error?.Code);
        Assert.Equal(ErrorCodes.NotFound, (await node.Approvals.ApproveAsync(created.Id, outsider, null, ifMatch: 99, default)).Error?.Code);
        Assert.Equal(ErrorCodes.NotFound, (await node.Approvals.ApproveAsync("apr_unknown", People.Reviewer(), null, null, default)).Error?.Code);
        Assert.True((await node.Approvals.GetAsync(created.Id, People.Reviewer(tenant: "acme"), default)).IsSuccess);
    }

    [StoreFact]
    public async Task BulkApprove_DecidesEachIdOnItsOwn()
    {
        var node = await StartNodeAsync();
        var a = Ok(await node.Approvals.CreateAsync(Requests.Simple(), People.Requester(), default));
        var b = Ok(await node.Approvals.CreateAsync(Requests.Simple(risk: 90), People.Requester(), default));
        var c = Ok(await node.Approvals.CreateAsync(Requests.Simple(), People.Requester(), default));
        Ok(await node.Approvals.CancelAsync(c.Id, People.Requester(), "nope", null, default));

        var results = await node.Approvals.DecideManyAsync([a.Id, b.Id, c.Id, "apr_missing"], DecisionKind.Approve, People.Reviewer(), "bulk", default);

        Assert.Equal(ApprovalStatus.Approved, results[0].Outcome.Value?.Status);
        Assert.Equal(ErrorCodes.InsufficientApprovalLevel, results[1].Outcome.Error?.Code);
        Assert.Equal(ErrorCodes.AlreadyResolved, results[2].Outcome.Error?.Code);
        Assert.Equal(ErrorCodes.NotFound, results[3].Outcome.Error?.Code);
    }

    [StoreFact]
    public async Task ExpiryTimer_FiresOnlyOnceDue_AndExpires()
    {
        var node = await StartNodeAsync();
        var created = Ok(await node.Approvals.CreateAsync(Requests.Simple(expiresIn: "PT1H"), People.Requester(), default));

        Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, await node.Timers.RunOnceAsync(default));
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await node.Timers.RunOnceAsync(default));

        var stored = (await node.Store.LoadApprovalAsync(created.Id, default))!.State;
        Assert.Equal(ApprovalStatus.Expired, stored.Status);
        Assert.Equal("system", stored.DecidedBy);
        Assert.Null(await node.Store.NextDueAtAsync(default));
        Assert.Equal(EventTypes.ApprovalExpired, (await node.Store.ReadSubjectAsync(created.Id, default))[^1].Type);
    }

    [StoreFact]
    public async Task DecisionAfterTheDeadline_BeforeTheTimerFired_AppliesTheExpiryFirst()
    {
        var node = await StartNodeAsync();
        var created = Ok(await node.Approvals.CreateAsync(Requests.Simple(onExpiry: "reject", expiresIn: "PT1H"), People.Requester(), default));
        Clock.Advance(TimeSpan.FromHours(2));

        var late = await node.Approvals.ApproveAsync(created.Id, People.Reviewer(), null, ifMatch: 1, default);

        Assert.Equal(ErrorCodes.AlreadyResolved, late.Error?.Code);
        Assert.Equal(ApprovalStatus.Rejected, late.Error?.CurrentStatus);
        var stored = (await node.Store.LoadApprovalAsync(created.Id, default))!.State;
        Assert.Equal(ApprovalStatus.Rejected, stored.Status);
        Assert.Equal("system", stored.DecidedBy);
        Assert.Null(await node.Store.NextDueAtAsync(default));
    }

    [StoreFact]
    public async Task DecisionAfterAnEscalatingDeadline_IsJudgedAtTheEscalatedLevel()
    {
        var node = await StartNodeAsync();
        var created = Ok(await node.Approvals.CreateAsync(Requests.Simple(onExpiry: "escalate", expiresIn: "PT1H"), People.Requester(), default));
        Clock.Advance(TimeSpan.FromMinutes(61));

        var reviewer = await node.Approvals.ApproveAsync(created.Id, People.Reviewer(), null, null, default);
        Assert.Equal(ErrorCodes.InsufficientApprovalLevel, reviewer.Error?.Code);

        var manager = Ok(await node.Approvals.ApproveAsync(created.Id, People.Manager(), null, null, default));
        Assert.Equal(ApprovalStatus.Approved, manager.Status);
        Assert.Equal([EventTypes.ApprovalRequested, EventTypes.ApprovalEscalated, EventTypes.ApprovalApproved],
            (await node.Store.ReadSubjectAsync(created.Id, default)).Select(e => e.Type));
    }

    [StoreFact]
    public async Task IdempotentCommand_StoresItsResponseInTheSameWrite_AndARefusalStoresNothing()
    {
        var node = await StartNodeAsync();
        var now = Clock.GetUtcNow();
        var request = new IdempotentRequest("default|Person|user_req", "key-1", "hash-1", now.AddDays(1), s => (201, $"created {((ApprovalState)s).Id} v{((ApprovalState)s).Version}"));
        var id = node.Approvals.NewId();
        var created = Ok(await node.Approvals.SendAsync(id, new ApprovalCommand.Create(id, Requests.Simple(), People.Requester()),
            new CommandOptions(null, request), default));

        var replay = await node.Store.TryBeginAsync("default|Person|user_req", "key-1", "hash-1", now, TimeSpan.FromDays(1), TimeSpan.FromSeconds(30), default);
        Assert.False(replay.Started);
        Assert.True(replay.Existing!.Completed);
        Assert.Equal(201, replay.Existing.StatusCode);
        Assert.Equal($"created {created.Id} v1", replay.Existing.ResponseBody);

        var refusedRequest = request with { Key = "key-2", RequestHash = "hash-2" };
        var refused = await node.Approvals.SendAsync(created.Id, new ApprovalCommand.Approve(People.Requester(), null), new CommandOptions(null, refusedRequest), default);
        Assert.Equal(ErrorCodes.Forbidden, refused.Error?.Code);
        var second = await node.Store.TryBeginAsync("default|Person|user_req", "key-2", "hash-2", now, TimeSpan.FromDays(1), TimeSpan.FromSeconds(30), default);
        Assert.True(second.Started);
    }

    [StoreFact]
#pragma warning disable CA1822 // Runs once per backend like its neighbours, though it needs no database.
    public async Task Changes_WakeAWaiterOnPublish_AndTimeOutOtherwise()
    {
        var changes = new ApprovalChanges();
        var waiting = changes.WaitAsync("apr_x", TimeSpan.FromMinutes(1), Clock, default);
        Assert.False(waiting.IsCompleted);
        changes.Publish("apr_x");
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));

        var timingOut = changes.WaitAsync("apr_y", TimeSpan.FromSeconds(5), Clock, default);
        Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(await timingOut.WaitAsync(TimeSpan.FromSeconds(10)));
    }
#pragma warning restore CA1822

    [StoreFact]
    public async Task Extend_MovesTheTimer()
    {
        var node = await StartNodeAsync();
        var created = Ok(await node.Approvals.CreateAsync(Requests.Simple(expiresIn: "PT1H"), People.Requester(), default));
        Ok(await node.Approvals.ExtendAsync(created.Id, People.Requester(), Clock.GetUtcNow().AddHours(2), null, default));

        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await node.Timers.RunOnceAsync(default));
        Assert.Equal(ApprovalStatus.Pending, (await node.Store.LoadApprovalAsync(created.Id, default))!.State.Status);

        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await node.Timers.RunOnceAsync(default));
        Assert.Equal(ApprovalStatus.Expired, (await node.Store.LoadApprovalAsync(created.Id, default))!.State.Status);
    }

    [StoreFact]
    public async Task EscalatingRequest_EscalatesOnceThroughItsTimer_ThenExpires()
    {
        var node = await StartNodeAsync(new ApprovalOptions { EscalationWindow = TimeSpan.FromMinutes(30) });
        var created = Ok(await node.Approvals.CreateAsync(Requests.Simple(risk: 10, onExpiry: "escalate", expiresIn: "PT1H"), People.Requester(), default));

        Clock.Advance(TimeSpan.FromHours(1));
        await node.Timers.RunOnceAsync(default);
        var escalated = (await node.Store.LoadApprovalAsync(created.Id, default))!.State;
        Assert.Equal(ApprovalStatus.Pending, escalated.Status);
        Assert.Equal(2, escalated.RequiredApprovalLevel);
        Assert.Equal(created.ExpiresAt.AddMinutes(30), escalated.ExpiresAt);
        Assert.Equal(escalated.ExpiresAt, await node.Store.NextDueAtAsync(default));
        Assert.Equal(ErrorCodes.InsufficientApprovalLevel,
            (await node.Approvals.ApproveAsync(created.Id, People.Reviewer(), null, null, default)).Error?.Code);

        Clock.Advance(TimeSpan.FromMinutes(30));
        await node.Timers.RunOnceAsync(default);
        Assert.Equal(ApprovalStatus.Expired, (await node.Store.LoadApprovalAsync(created.Id, default))!.State.Status);
        Assert.Equal([EventTypes.ApprovalRequested, EventTypes.ApprovalEscalated, EventTypes.ApprovalExpired],
            (await node.Store.ReadSubjectAsync(created.Id, default)).Select(e => e.Type));
    }

    [StoreFact]
    public async Task Timers_SurviveARestart_AndFireRightAfterStart()
    {
        var first = await StartNodeAsync();
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(Ok(await first.Approvals.CreateAsync(Requests.Simple(expiresIn: "PT1H"), People.Requester(), default)).Id);
        }
        await StopNodeAsync(first);

        // The process is down while the deadlines pass.
        Clock.Advance(TimeSpan.FromHours(2));
        var second = await StartNodeAsync();
        await second.StartTimersAsync();

        await Eventually.TrueAsync(async () =>
        {
            var counts = await second.Store.CountByStatusAsync(Principal.DefaultTenant, default);
            return counts[ApprovalStatus.Expired] == ids.Count;
        }, TimeSpan.FromSeconds(30), "every request expired after the restart");
    }
}

public sealed class SqliteApprovalRuntimeTests : ApprovalRuntimeTests
{
    protected override Backend CreateBackend() => new SqliteBackend();
}

[RequiresPostgres]
public sealed class PostgresApprovalRuntimeTests : ApprovalRuntimeTests
{
    protected override Backend CreateBackend() => new PostgresBackend();
}
