using Approvals.Contracts;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;

namespace Approvals.Testing.Storage;

/// <summary>The contract for workflow state, its list and the event-log consumers' checkpoints.</summary>
public abstract partial class StoreContractTests
{
    // ---- workflow builders ----

    /// <summary>The write that creates <paramref name="state"/> (expected version 0).</summary>
    protected static WorkflowWrite Create(WorkflowState state, IReadOnlyList<EventRecord>? events = null) =>
        TestWorkflows.Create(state, events);

    /// <summary>The write that replaces version <paramref name="expectedVersion"/> with <paramref name="state"/>.</summary>
    protected static WorkflowWrite Update(WorkflowState state, long expectedVersion, string? previousChainHead, IReadOnlyList<EventRecord>? events = null) =>
        TestWorkflows.Update(state, expectedVersion, previousChainHead, events);

    /// <summary>Creates <paramref name="state"/> with one event and returns the event (the chain head).</summary>
    private async Task<EventRecord> CreateWorkflowWithEventAsync(WorkflowState state)
    {
        var started = TestWorkflows.Event(state, null);
        Assert.Equal(WriteOutcome.Committed, await SaveOneAsync(Create(state, [started])));
        return started;
    }

    /// <summary>
    /// A workflow with every member set and awkward values: non-ASCII text, JSON whose keys are not in
    /// any sorted order, times with odd microseconds, a plan step with a delay and one with a timeout, and
    /// a history run that ended with output and an error.
    /// </summary>
    private static WorkflowState FullWorkflow(string id, WorkflowEffect effect) => new()
    {
        Id = id,
        TenantId = "tenant-a",
        Name = "Release “v2” ✓ 🚀",
        Status = WorkflowStatus.WaitingApproval,
        Steps =
        [
            new PlanStep("review", StepType.Approval, new CreateApprovalRequest
            {
                Title = "Review the release",
                RiskScore = 40,
                Context = TestWorkflows.Json(ApprovalContextText),
                ExpiresIn = "PT4H",
            }, "deploy", "rollback", TimeSpan.FromMinutes(5).Add(TimeSpan.FromTicks(10)), null),
            new PlanStep("deploy", StepType.Task, null, null, "rollback", null, TimeSpan.FromHours(2)),
            new PlanStep("rollback", StepType.Task, null, null, null, null, null),
        ],
        CurrentStep = "review",
        NextStep = "deploy",
        History =
        [
            new StepRun(1, "review", StepOutcome.Failed, "apr_run1", T0.AddTicks(10), T0.AddMinutes(1).AddTicks(1_234_560),
                """{"out":[1,"x",{"b":2,"a":null}],"note":"é \"q\""}""", "The approval was rejected — “no”."),
            new StepRun(2, "review", null, "apr_run2", T0.AddMinutes(2), null, null, null),
        ],
        InputJson = """{"ticket":"CHG-1","nested":{"b":[1,2.50],"a":true},"emoji":"🚀"}""",
        PendingApprovalId = "apr_run2",
        WakeAt = T0.AddHours(1).AddTicks(30),
        PendingEffect = effect,
        CreatedBy = "key_ops",
        CreatedByKind = Core.Principals.PrincipalKind.ApiKey,
        CreatedAt = T0.AddTicks(70),
        UpdatedAt = T0.AddMinutes(2).AddTicks(1_234_560),
        Version = 1,
    };

    /// <summary>
    /// An approval context as a JSON value (not a string), with keys in no sorted order: they must come
    /// back in the order written (a store that normalised JSON would sort them).
    /// </summary>
    private const string ApprovalContextText = """{"b":1,"aa":{"z":"é \"q\" 🚀","y":1.50},"list":[3,1,2],"none":null}""";

    private static readonly string[] ApprovalContextKeys = ["b", "aa", "list", "none"];

    private static IEnumerable<string> KeysOf(System.Text.Json.JsonElement? json) =>
        json?.EnumerateObject().Select(p => p.Name) ?? [];

    private static void AssertSameWorkflow(WorkflowState expected, WorkflowState actual) =>
        Assert.Equal(WorkflowStateJson.Serialize(expected), WorkflowStateJson.Serialize(actual));

    // ---- workflow state ----

    [StoreFact]
    public async Task LoadWorkflow_Unknown_ReturnsNull()
    {
        Assert.Null(await Stores.State.LoadWorkflowAsync("wf_missing", None));
    }

    [StoreFact]
    public async Task WorkflowCreateThenLoad_RoundTripsEveryField_WithEitherKindOfEffect()
    {
        var filing = FullWorkflow("wf_filing", new WorkflowEffect.FileApproval("apr_run2", "review",
            new CreateApprovalRequest { Title = "x", Context = TestWorkflows.Json(ApprovalContextText) }));
        var cancelling = FullWorkflow("wf_cancelling", new WorkflowEffect.CancelApproval("apr_run1"));
        var started = TestWorkflows.Event(filing, null);

        await SaveCommittedAsync(Create(filing, [started]), Create(cancelling));

        var loaded = await Stores.State.LoadWorkflowAsync("wf_filing", None);
        Assert.NotNull(loaded);
        AssertSameWorkflow(filing, loaded.State);
        Assert.Equal(started.Hash, loaded.ChainHead);
        Assert.Equal(filing.History, loaded.State.History);
        Assert.Equal(filing.Steps.Skip(1), loaded.State.Steps.Skip(1));
        Assert.Equal(TimeSpan.FromMinutes(5).Add(TimeSpan.FromTicks(10)), loaded.State.Steps[0].DelayToNextStep);
        Assert.Equal(ApprovalContextKeys, KeysOf(loaded.State.Steps[0].Approval?.Context));
        Assert.Equal(filing.InputJson, loaded.State.InputJson);
        Assert.Equal(filing.CreatedAt, loaded.State.CreatedAt);
        Assert.Equal(filing.CreatedByKind, loaded.State.CreatedByKind);
        Assert.Equal(filing.WakeAt, loaded.State.WakeAt);
        var effect = Assert.IsType<WorkflowEffect.FileApproval>(loaded.State.PendingEffect);
        Assert.Equal("apr_run2", effect.ApprovalId);
        Assert.Equal("review", effect.Step);
        Assert.Equal("x", effect.Request.Title);
        Assert.Equal(ApprovalContextKeys, KeysOf(effect.Request.Context));

        var other = await Stores.State.LoadWorkflowAsync("wf_cancelling", None);
        Assert.NotNull(other);
        AssertSameWorkflow(cancelling, other.State);
        Assert.Null(other.ChainHead);
        Assert.Equal(new WorkflowEffect.CancelApproval("apr_run1"), other.State.PendingEffect);
    }

    [StoreFact]
    public async Task WorkflowUpdate_AtExpectedVersion_ReplacesStateAndChainHead_AndWithoutEventsKeepsIt()
    {
        var created = TestWorkflows.New("wf_1");
        var started = await CreateWorkflowWithEventAsync(created);
        var waiting = created with
        {
            Status = WorkflowStatus.WaitingApproval,
            PendingApprovalId = "apr_1",
            PendingEffect = new WorkflowEffect.FileApproval("apr_1", "build", new CreateApprovalRequest { Title = "x" }),
            UpdatedAt = T0.AddMinutes(1),
            Version = 2,
        };
        var waitingEvent = TestWorkflows.Event(waiting, started.Hash, WorkflowEventTypes.WaitingApproval);

        Assert.Equal(WriteOutcome.Committed, await SaveOneAsync(Update(waiting, 1, started.Hash, [waitingEvent])));
        var afterUpdate = await Stores.State.LoadWorkflowAsync("wf_1", None);
        var renamed = waiting with { Name = "Renamed", PendingEffect = null, Version = 3 };
        Assert.Equal(WriteOutcome.Committed, await SaveOneAsync(Update(renamed, 2, waitingEvent.Hash)));
        var afterRename = await Stores.State.LoadWorkflowAsync("wf_1", None);

        Assert.NotNull(afterUpdate);
        AssertSameWorkflow(waiting, afterUpdate.State);
        Assert.Equal(waitingEvent.Hash, afterUpdate.ChainHead);
        Assert.NotNull(afterRename);
        AssertSameWorkflow(renamed, afterRename.State);
        Assert.Equal(waitingEvent.Hash, afterRename.ChainHead);
    }

    [StoreFact]
    public async Task WorkflowUpdate_AtStaleVersion_ConflictsAndKeepsNothing()
    {
        var created = TestWorkflows.New("wf_1");
        var started = await CreateWorkflowWithEventAsync(created);
        var completed = created with { Status = WorkflowStatus.Completed, UpdatedAt = T0.AddMinutes(1), Version = 2 };
        var completedEvent = TestWorkflows.Event(completed, started.Hash, WorkflowEventTypes.Completed);
        await SaveCommittedAsync(Update(completed, 1, started.Hash, [completedEvent]));
        await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-stale", "hash-1", T0, TimeSpan.FromHours(1), NoTakeOver, None);

        var stale = created with { Status = WorkflowStatus.Delayed, UpdatedAt = T0.AddMinutes(1), Version = 2 };
        var outcome = await SaveOneAsync(
            Update(stale, 1, started.Hash, [TestWorkflows.Event(stale, started.Hash, WorkflowEventTypes.Resumed)])
            with { Idempotency = Completion("key-stale") });

        Assert.Equal(WriteOutcome.Conflict, outcome);
        var loaded = await Stores.State.LoadWorkflowAsync("wf_1", None);
        Assert.NotNull(loaded);
        Assert.Equal(WorkflowStatus.Completed, loaded.State.Status);
        Assert.Equal(completedEvent.Hash, loaded.ChainHead);
        Assert.Equal([started.Id, completedEvent.Id], (await Stores.Events.ReadSubjectAsync("wf_1", None)).Select(e => e.Id));
        var reservation = await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-stale", "hash-1", T0.AddMinutes(1), TimeSpan.FromHours(1), NoTakeOver, None);
        Assert.Equal(new IdempotencyRecord("tenant-a:create", "key-stale", "hash-1", false, 0, null, T0, T0.AddHours(1)), reservation.Existing);
    }

    [StoreFact]
    public async Task WorkflowUpdate_OfMissingWorkflow_Conflicts()
    {
        var outcome = await SaveOneAsync(Update(TestWorkflows.New("wf_ghost") with { Version = 2 }, 1, null));

        Assert.Equal(WriteOutcome.Conflict, outcome);
        Assert.Null(await Stores.State.LoadWorkflowAsync("wf_ghost", None));
    }

    [StoreFact]
    public async Task WorkflowCreate_Duplicate_ConflictsAndKeepsNothing()
    {
        var original = TestWorkflows.New("wf_1");
        var started = await CreateWorkflowWithEventAsync(original);

        var duplicate = original with { Name = "Impostor" };
        var outcome = await SaveOneAsync(
            Create(duplicate, [TestWorkflows.Event(duplicate, null)])
            with { Idempotency = Completion("key-duplicate") });

        Assert.Equal(WriteOutcome.Conflict, outcome);
        var loaded = await Stores.State.LoadWorkflowAsync("wf_1", None);
        Assert.NotNull(loaded);
        Assert.Equal(original.Name, loaded.State.Name);
        Assert.Equal(started.Hash, loaded.ChainHead);
        Assert.Equal([started.Id], (await Stores.Events.ReadSubjectAsync("wf_1", None)).Select(e => e.Id));
        Assert.True((await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-duplicate", "hash-1", T0, TimeSpan.FromHours(1), NoTakeOver, None)).Started);
    }

    [StoreFact]
    public async Task WorkflowSave_ConcurrentUpdatesAtOneVersion_ExactlyOneCommits()
    {
        var created = TestWorkflows.New("wf_1");
        var started = await CreateWorkflowWithEventAsync(created);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            var next = created with { Name = $"Writer {i}", Version = 2 };
            return await SaveOneAsync(Update(next, 1, started.Hash, [TestWorkflows.Event(next, started.Hash, WorkflowEventTypes.Resumed)]));
        })));

        Assert.Single(outcomes, o => o == WriteOutcome.Committed);
        Assert.Equal(2, (await Stores.Events.ReadSubjectAsync("wf_1", None)).Count);
    }

    [StoreFact]
    public async Task Save_BatchMixingApprovalAndWorkflowWrites_CommitsAllButTheConflict()
    {
        var a = NewApproval("apr_a");
        var aRequested = await CreateWithEventAsync(a);
        var w = TestWorkflows.New("wf_a");
        var wStarted = await CreateWorkflowWithEventAsync(w);
        await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-stale", "hash-1", T0, TimeSpan.FromHours(1), NoTakeOver, None);
        var newWorkflow = TestWorkflows.New("wf_b", createdAt: T0.AddSeconds(1));
        var newWorkflowStarted = TestWorkflows.Event(newWorkflow, null);
        var approved = a with { Status = ApprovalStatus.Approved, UpdatedAt = T0.AddMinutes(1), Version = 2 };
        var approvedEvent = NewEvent(approved, aRequested.Hash, EventTypes.ApprovalApproved);
        var staleWorkflow = w with { Status = WorkflowStatus.Failed, Version = 2 };
        var newApproval = NewApproval("apr_b");
        var newApprovalRequested = NewEvent(newApproval, null);

        var outcomes = await Stores.State.SaveAsync(
        [
            Create(newWorkflow, [newWorkflowStarted]) with { Idempotency = Completion("key-wf-b") },
            Update(approved, 1, aRequested.Hash, [approvedEvent]),
            Update(staleWorkflow, 5, wStarted.Hash, [TestWorkflows.Event(staleWorkflow, wStarted.Hash, WorkflowEventTypes.Failed)]) with { Idempotency = Completion("key-stale") },
            Create(newApproval, [newApprovalRequested]),
        ], None);

        Assert.Equal([WriteOutcome.Committed, WriteOutcome.Committed, WriteOutcome.Conflict, WriteOutcome.Committed], outcomes);
        var loadedW = await Stores.State.LoadWorkflowAsync("wf_a", None);
        Assert.NotNull(loadedW);
        Assert.Equal(WorkflowStatus.Active, loadedW.State.Status);
        Assert.Equal(1, loadedW.State.Version);
        Assert.Equal(wStarted.Hash, loadedW.ChainHead);
        Assert.Equal(newWorkflowStarted.Hash, (await Stores.State.LoadWorkflowAsync("wf_b", None))?.ChainHead);
        Assert.Equal(ApprovalStatus.Approved, (await Stores.State.LoadApprovalAsync("apr_a", None))?.State.Status);
        Assert.NotNull(await Stores.State.LoadApprovalAsync("apr_b", None));
        // The batch's events follow the batch's order.
        Assert.Equal(
            [aRequested.Id, wStarted.Id, newWorkflowStarted.Id, approvedEvent.Id, newApprovalRequested.Id],
            (await Stores.Events.ReadAfterAsync(0, 100, None)).Select(e => e.Id));
        Assert.Equal(1, await Stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Pending, None));
        Assert.Equal(1, await Stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Approved, None));
        var committedKey = await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-wf-b", "hash-1", T0.AddMinutes(1), TimeSpan.FromHours(1), NoTakeOver, None);
        Assert.Equal(new IdempotencyRecord("tenant-a:create", "key-wf-b", "hash-1", true, 201, Completion("key-wf-b").ResponseBody, newWorkflow.UpdatedAt, T0.AddHours(24)),
            committedKey.Existing);
        var staleKey = await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-stale", "hash-1", T0.AddMinutes(1), TimeSpan.FromHours(1), NoTakeOver, None);
        Assert.Equal(new IdempotencyRecord("tenant-a:create", "key-stale", "hash-1", false, 0, null, T0, T0.AddHours(1)), staleKey.Existing);
    }

    // ---- workflow events ----

    [StoreFact]
    public async Task WorkflowEvents_AreAppended_AndReadBackExactly_WithAnUnbrokenChain()
    {
        var w = TestWorkflows.New("wf_1");
        var started = TestWorkflows.Event(w, null, at: T0.AddTicks(1_234_560));
        var waiting = TestWorkflows.Event(w, started.Hash, WorkflowEventTypes.WaitingApproval, T0.AddSeconds(1).AddTicks(10));
        await SaveCommittedAsync(Create(w, [started, waiting]));
        var a = NewApproval("apr_1");
        var requested = NewEvent(a, null);
        var completedState = w with { Status = WorkflowStatus.Completed, UpdatedAt = T0.AddMinutes(3), Version = 2 };
        var completed = TestWorkflows.Event(completedState, waiting.Hash, WorkflowEventTypes.Completed);
        await SaveCommittedAsync(Create(a, [requested]), Update(completedState, 1, waiting.Hash, [completed]));

        var all = await Stores.Events.ReadAfterAsync(0, 100, None);
        var chain = await Stores.Events.ReadSubjectAsync("wf_1", None);

        EventRecord[] written = [started, waiting, requested, completed];
        Assert.Equal(written.Length, all.Count);
        for (var i = 0; i < written.Length; i++)
        {
            Assert.Equal(written[i] with { Seq = all[i].Seq }, all[i]);
        }
        Assert.All(all.Zip(all.Skip(1)), pair => Assert.True(pair.First.Seq < pair.Second.Seq));
        Assert.Equal([started.Id, waiting.Id, completed.Id], chain.Select(e => e.Id));
        Assert.Null(chain[0].PrevHash);
        Assert.All(chain.Zip(chain.Skip(1)), pair => Assert.Equal(pair.First.Hash, pair.Second.PrevHash));
        Assert.All(chain, e => Assert.Equal(EventHasher.ComputeHash(e), e.Hash));
        Assert.Equal(completed.Hash, (await Stores.State.LoadWorkflowAsync("wf_1", None))?.ChainHead);
    }

    // ---- workflow list ----

    private async Task SeedWorkflowsAsync()
    {
        await SaveCommittedAsync(
            Create(TestWorkflows.New("w1", createdAt: T0.AddMinutes(1))),
            Create(TestWorkflows.New("w2", createdAt: T0.AddMinutes(2)) with { Status = WorkflowStatus.WaitingApproval }),
            Create(TestWorkflows.New("w3", createdAt: T0.AddMinutes(3)) with { Status = WorkflowStatus.Completed }),
            Create(TestWorkflows.New("w4", createdAt: T0.AddMinutes(4)) with { Status = WorkflowStatus.WaitingApproval }),
            Create(TestWorkflows.New("x1", "tenant-b", T0.AddMinutes(5)) with { Status = WorkflowStatus.WaitingApproval }),
            // An approval of the tenant is not a workflow.
            Create(NewApproval("a1", createdAt: T0.AddMinutes(6))));
    }

    [StoreFact]
    public async Task ListWorkflows_WithAndWithoutStatus_NewestFirst_WithinTheTenant()
    {
        await SeedWorkflowsAsync();
        var a = new WorkflowQuery("tenant-a");
        (string Name, WorkflowQuery Query, string[] Expected)[] cases =
        [
            ("none", a, ["w4", "w3", "w2", "w1"]),
            ("waiting approval", a with { Status = WorkflowStatus.WaitingApproval }, ["w4", "w2"]),
            ("completed", a with { Status = WorkflowStatus.Completed }, ["w3"]),
            ("nothing matches", a with { Status = WorkflowStatus.Cancelled }, []),
            ("other tenant", new WorkflowQuery("tenant-b"), ["x1"]),
            ("other tenant, status it lacks", new WorkflowQuery("tenant-b") { Status = WorkflowStatus.Active }, []),
            ("unknown tenant", new WorkflowQuery("tenant-c"), []),
        ];

        foreach (var (name, query, expected) in cases)
        {
            var page = await Stores.WorkflowQueries.ListWorkflowsAsync(query, None);
            var actual = page.Items.Select(s => s.Id).ToArray();
            Assert.True(expected.SequenceEqual(actual), $"{name}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
            Assert.Null(page.Next);
        }
    }

    [StoreFact]
    public async Task ListWorkflows_ReturnsFullStates_AndFollowsStatusChanges()
    {
        var full = FullWorkflow("wf_full", new WorkflowEffect.CancelApproval("apr_run1"));
        await SaveCommittedAsync(Create(full));
        var listed = Assert.Single((await Stores.WorkflowQueries.ListWorkflowsAsync(new WorkflowQuery("tenant-a"), None)).Items);
        AssertSameWorkflow(full, listed);

        var failed = full with { Status = WorkflowStatus.Failed, PendingEffect = null, UpdatedAt = T0.AddHours(1), Version = 2 };
        await SaveCommittedAsync(Update(failed, 1, null));

        Assert.Empty((await Stores.WorkflowQueries.ListWorkflowsAsync(new WorkflowQuery("tenant-a") { Status = WorkflowStatus.WaitingApproval }, None)).Items);
        AssertSameWorkflow(failed, Assert.Single((await Stores.WorkflowQueries.ListWorkflowsAsync(new WorkflowQuery("tenant-a") { Status = WorkflowStatus.Failed }, None)).Items));
    }

    [StoreFact]
    public async Task ListWorkflows_CursorPagination_VisitsEveryRowOnceNewestFirst_WithAndWithoutStatus()
    {
        // Triples share a creation time (to the microsecond), so the id breaks ties; every other one is delayed.
        var states = Enumerable.Range(0, 95)
            .Select(i => TestWorkflows.New($"wf_{i:000}", createdAt: T0.AddTicks(i / 3 * 10)) with
            {
                Status = i % 2 == 0 ? WorkflowStatus.Delayed : WorkflowStatus.Active,
            })
            .ToList();
        foreach (var chunk in states.Chunk(40))
        {
            await SaveCommittedAsync([.. chunk.Select(s => Create(s))]);
        }
        await SaveCommittedAsync(Create(TestWorkflows.New("wf_other_tenant", "tenant-b", T0.AddTicks(5)) with { Status = WorkflowStatus.Delayed }));
        List<string> NewestFirst(IEnumerable<WorkflowState> rows) => rows
            .OrderByDescending(s => s.CreatedAt)
            .ThenByDescending(s => s.Id, StringComparer.Ordinal)
            .Select(s => s.Id)
            .ToList();

        var (all, allPages) = await PageThroughWorkflowsAsync(new WorkflowQuery("tenant-a") { Limit = 10 });
        var (delayed, delayedPages) = await PageThroughWorkflowsAsync(new WorkflowQuery("tenant-a") { Status = WorkflowStatus.Delayed, Limit = 8 });

        Assert.Equal(NewestFirst(states), all);
        Assert.Equal(10, allPages);
        Assert.Equal(NewestFirst(states.Where(s => s.Status == WorkflowStatus.Delayed)), delayed);
        Assert.Equal(6, delayedPages);
    }

    [StoreFact]
    public async Task ListWorkflows_ExactMultipleOfTheLimit_LastPageHasNoCursor()
    {
        await SaveCommittedAsync([.. Enumerable.Range(0, 20).Select(i => Create(TestWorkflows.New($"wf_{i:00}", createdAt: T0.AddSeconds(i))))]);

        var first = await Stores.WorkflowQueries.ListWorkflowsAsync(new WorkflowQuery("tenant-a") { Limit = 10 }, None);
        Assert.Equal(new PageCursor(T0.AddSeconds(10), "wf_10"), first.Next);
        var second = await Stores.WorkflowQueries.ListWorkflowsAsync(new WorkflowQuery("tenant-a") { Limit = 10, After = first.Next }, None);

        Assert.Equal(10, second.Items.Count);
        Assert.Equal("wf_00", second.Items[^1].Id);
        Assert.Null(second.Next);
    }

    /// <summary>Follows the cursors (through their text form, as the API does) to the end; returns the ids and the page count.</summary>
    private async Task<(List<string> Ids, int Pages)> PageThroughWorkflowsAsync(WorkflowQuery query)
    {
        var seen = new List<string>();
        PageCursor? cursor = null;
        var pages = 0;
        do
        {
            var page = await Stores.WorkflowQueries.ListWorkflowsAsync(query with { After = cursor }, None);
            pages++;
            Assert.True(page.Items.Count <= query.Limit);
            seen.AddRange(page.Items.Select(s => s.Id));
            cursor = page.Next is { } next && PageCursor.TryDecode(next.Encode(), out var decoded) ? decoded : null;
            Assert.Equal(page.Next, cursor);
            Assert.True(pages <= 100, "pagination did not end");
        }
        while (cursor is not null);
        return (seen, pages);
    }

    // ---- consumer checkpoints ----

    [StoreFact]
    public async Task Checkpoint_NeverSaved_IsZero()
    {
        Assert.Equal(0, await Stores.Checkpoints.ReadCheckpointAsync("webhooks", None));
    }

    [StoreFact]
    public async Task Checkpoint_IsSavedAndRead_AndNeverMovesBackwards()
    {
        long[] saves = [5, 12, 7, 12, 0, 13];
        long[] expected = [5, 12, 12, 12, 12, 13];

        for (var i = 0; i < saves.Length; i++)
        {
            await Stores.Checkpoints.SaveCheckpointAsync("webhooks", saves[i], None);
            Assert.Equal(expected[i], await Stores.Checkpoints.ReadCheckpointAsync("webhooks", None));
        }
    }

    [StoreFact]
    public async Task Checkpoints_AreIndependentPerConsumer()
    {
        await Stores.Checkpoints.SaveCheckpointAsync("webhooks", 40, None);
        await Stores.Checkpoints.SaveCheckpointAsync("workflows", 3, None);
        await Stores.Checkpoints.SaveCheckpointAsync("workflows", 50, None);

        Assert.Equal(40, await Stores.Checkpoints.ReadCheckpointAsync("webhooks", None));
        Assert.Equal(50, await Stores.Checkpoints.ReadCheckpointAsync("workflows", None));
        Assert.Equal(0, await Stores.Checkpoints.ReadCheckpointAsync("live-views", None));
    }

    [StoreFact]
    public async Task Checkpoint_ConcurrentSaves_KeepTheHighest()
    {
        var seqs = Enumerable.Range(1, 40).Select(i => (long)(i * 7 % 41)).ToList();

        await Task.WhenAll(seqs.Select(seq => Task.Run(() => Stores.Checkpoints.SaveCheckpointAsync("webhooks", seq, None))));

        Assert.Equal(seqs.Max(), await Stores.Checkpoints.ReadCheckpointAsync("webhooks", None));
    }
}
