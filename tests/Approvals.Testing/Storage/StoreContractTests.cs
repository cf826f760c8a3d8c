using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Storage;

namespace Approvals.Testing.Storage;

/// <summary>
/// The behaviour every backend's store ports must show, written once. A backend's test project subclasses
/// it and supplies the stores of a fresh, migrated, empty database per test; a PostgreSQL subclass also
/// carries <see cref="PostgreSql.RequiresPostgresAttribute"/> so the suite skips without a server.
/// </summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    /// <summary>A fixed start of time; every time used here is a whole number of microseconds.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Longer than any test's span of time: no reservation is taken over unless a test means it.</summary>
    protected static readonly TimeSpan NoTakeOver = TimeSpan.FromDays(365);

    /// <summary>The stores under test, created by <see cref="CreateStoresAsync"/> before each test.</summary>
    protected StoreSet Stores { get; private set; } = null!;

    /// <summary>The stores of a fresh, migrated, empty database (called once per test).</summary>
    protected abstract Task<StoreSet> CreateStoresAsync();

    /// <summary>Releases what <see cref="CreateStoresAsync"/> set up.</summary>
    protected virtual Task DisposeStoresAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => Stores = await CreateStoresAsync();

    public Task DisposeAsync() => DisposeStoresAsync();

    // ---- builders ----

    /// <summary>A minimal pending approval of version 1, created at <paramref name="createdAt"/> (default <see cref="T0"/>).</summary>
    protected static ApprovalState NewApproval(string id, string tenantId = "tenant-a", DateTimeOffset? createdAt = null)
    {
        var at = createdAt ?? T0;
        return new ApprovalState
        {
            Id = id,
            TenantId = tenantId,
            Status = ApprovalStatus.Pending,
            Title = $"Deploy {id}",
            RiskScore = 10,
            RequiredApprovalLevel = 1,
            ContextJson = "{}",
            RequestedBy = "user_req",
            Policy = ApprovalPolicy.Default,
            Decisions = [],
            ExpiresAt = at.AddHours(1),
            CreatedAt = at,
            UpdatedAt = at,
            Version = 1,
        };
    }

    /// <summary>A sealed event about <paramref name="subject"/> that follows <paramref name="prevHash"/>.</summary>
    protected static EventRecord NewEvent(ApprovalState subject, string? prevHash, string type = EventTypes.ApprovalRequested, DateTimeOffset? at = null, JsonObject? data = null) =>
        EventHasher.Seal(
            $"evt_{Guid.NewGuid():N}",
            new NewEvent(type, "user_req", data ?? new JsonObject { ["title"] = subject.Title, ["version"] = subject.Version }),
            subject.TenantId,
            subject.Id,
            at ?? subject.UpdatedAt,
            prevHash);

    /// <summary>The write that creates <paramref name="state"/> (expected version 0).</summary>
    protected static ApprovalWrite Create(ApprovalState state, IReadOnlyList<EventRecord>? events = null) =>
        new(state, 0, events ?? [], null);

    /// <summary>The write that replaces version <paramref name="expectedVersion"/> with <paramref name="state"/>.</summary>
    protected static ApprovalWrite Update(ApprovalState state, long expectedVersion, string? previousChainHead, IReadOnlyList<EventRecord>? events = null) =>
        new(state, expectedVersion, events ?? [], previousChainHead);

    protected async Task<WriteOutcome> SaveOneAsync(StateWrite write) => (await Stores.State.SaveAsync([write], None)).Single();

    protected async Task SaveCommittedAsync(params StateWrite[] writes)
    {
        var outcomes = await Stores.State.SaveAsync(writes, None);
        Assert.All(outcomes, o => Assert.Equal(WriteOutcome.Committed, o));
    }

    /// <summary>Creates <paramref name="state"/> with one event and returns the event (the chain head).</summary>
    protected async Task<EventRecord> CreateWithEventAsync(ApprovalState state)
    {
        var requested = NewEvent(state, null);
        Assert.Equal(WriteOutcome.Committed, await SaveOneAsync(Create(state, [requested])));
        return requested;
    }

    private static void AssertSameState(ApprovalState expected, ApprovalState actual) =>
        Assert.Equal(ApprovalStateJson.Serialize(expected), ApprovalStateJson.Serialize(actual));

    // ---- state ----

    [StoreFact]
    public async Task LoadApproval_Unknown_ReturnsNull()
    {
        Assert.Null(await Stores.State.LoadApprovalAsync("apr_missing", None));
    }

    [StoreFact]
    public async Task CreateThenLoad_RoundTripsEveryField()
    {
        var state = new ApprovalState
        {
            Id = "apr_full",
            TenantId = "tenant-a",
            Status = ApprovalStatus.Approved,
            Title = "Rotate prod DB credentials — “now” ✓",
            Summary = "Quarterly rotation",
            RequestedOperation = "db.credentials.rotate",
            Target = "db/prod-eu-1",
            ResourceScope = "prod",
            DataClassification = "confidential",
            RiskScore = 88,
            RequiredApprovalLevel = 4,
            ContextJson = """{"ticket":"CHG-1","nested":{"b":[1,2.5,"x",null],"a":true},"emoji":"🚀","quote":"\"q\""}""",
            RequestedBy = "key_agent",
            RequestedByKind = Core.Principals.PrincipalKind.ApiKey,
            RequestedByName = "build-agent",
            AgentId = "agent-7",
            SessionId = "sess-1",
            TraceId = "trace-1",
            WorkflowId = "wf-1",
            WorkflowStep = "deploy",
            Policy = new ApprovalPolicy(2, ["sre", "dba"], ["alice", "bob"], true, OnExpiry.Escalate),
            Decisions =
            [
                new Decision(DecisionKind.Approve, "alice", "Alice A.", "lgtm", T0.AddMinutes(1).AddTicks(10)),
                new Decision(DecisionKind.Approve, "bob", null, null, T0.AddMinutes(2).AddTicks(1_234_560)),
            ],
            ExpiresAt = T0.AddHours(4),
            CreatedAt = T0.AddTicks(70),
            UpdatedAt = T0.AddMinutes(2).AddTicks(1_234_560),
            DecidedAt = T0.AddMinutes(2).AddTicks(1_234_560),
            DecidedBy = "bob",
            DecisionNote = "ship it",
            Escalated = true,
            Version = 1,
        };
        var requested = NewEvent(state, null);

        Assert.Equal(WriteOutcome.Committed, await SaveOneAsync(Create(state, [requested])));

        var loaded = await Stores.State.LoadApprovalAsync("apr_full", None);
        Assert.NotNull(loaded);
        AssertSameState(state, loaded.State);
        Assert.Equal(requested.Hash, loaded.ChainHead);
        Assert.Equal(state.Decisions, loaded.State.Decisions);
        Assert.Equal(state.Policy.ApproverRoles, loaded.State.Policy.ApproverRoles);
        Assert.Equal(state.Policy.Approvers, loaded.State.Policy.Approvers);
        Assert.Equal(state.ContextJson, loaded.State.ContextJson);
        Assert.Equal(state.CreatedAt, loaded.State.CreatedAt);
        Assert.Equal(state.DecidedAt, loaded.State.DecidedAt);
        Assert.Equal(state.RequestedByKind, loaded.State.RequestedByKind);
    }

    [StoreFact]
    public async Task Create_WithoutEvents_HasNoChainHead()
    {
        Assert.Equal(WriteOutcome.Committed, await SaveOneAsync(Create(NewApproval("apr_1"))));

        var loaded = await Stores.State.LoadApprovalAsync("apr_1", None);
        Assert.NotNull(loaded);
        Assert.Null(loaded.ChainHead);
    }

    [StoreFact]
    public async Task Update_AtExpectedVersion_ReplacesStateAndChainHead()
    {
        var created = NewApproval("apr_1");
        var requested = await CreateWithEventAsync(created);
        var approved = created with { Status = ApprovalStatus.Approved, UpdatedAt = T0.AddMinutes(5), DecidedBy = "bob", Version = 2 };
        var approvedEvent = NewEvent(approved, requested.Hash, EventTypes.ApprovalApproved);

        Assert.Equal(WriteOutcome.Committed, await SaveOneAsync(Update(approved, 1, requested.Hash, [approvedEvent])));

        var loaded = await Stores.State.LoadApprovalAsync("apr_1", None);
        Assert.NotNull(loaded);
        AssertSameState(approved, loaded.State);
        Assert.Equal(approvedEvent.Hash, loaded.ChainHead);
    }

    [StoreFact]
    public async Task Update_WithoutEvents_KeepsPreviousChainHead()
    {
        var created = NewApproval("apr_1");
        var requested = await CreateWithEventAsync(created);

        Assert.Equal(WriteOutcome.Committed, await SaveOneAsync(Update(created with { Title = "Renamed", Version = 2 }, 1, requested.Hash)));

        var loaded = await Stores.State.LoadApprovalAsync("apr_1", None);
        Assert.NotNull(loaded);
        Assert.Equal("Renamed", loaded.State.Title);
        Assert.Equal(requested.Hash, loaded.ChainHead);
    }

    [StoreFact]
    public async Task Update_AtStaleVersion_ConflictsAndKeepsNothing()
    {
        var created = NewApproval("apr_1");
        var requested = await CreateWithEventAsync(created);
        var v2 = created with { Status = ApprovalStatus.Approved, Version = 2 };
        var v2Event = NewEvent(v2, requested.Hash, EventTypes.ApprovalApproved);
        await SaveCommittedAsync(Update(v2, 1, requested.Hash, [v2Event]));

        var stale = created with { Status = ApprovalStatus.Rejected, Version = 2 };
        var staleEvent = NewEvent(stale, requested.Hash, EventTypes.ApprovalRejected);
        var outcome = await SaveOneAsync(Update(stale, 1, requested.Hash, [staleEvent]));

        Assert.Equal(WriteOutcome.Conflict, outcome);
        var loaded = await Stores.State.LoadApprovalAsync("apr_1", None);
        Assert.NotNull(loaded);
        Assert.Equal(ApprovalStatus.Approved, loaded.State.Status);
        Assert.Equal(v2Event.Hash, loaded.ChainHead);
        Assert.Equal([requested.Id, v2Event.Id], (await Stores.Events.ReadSubjectAsync("apr_1", None)).Select(e => e.Id));
    }

    [StoreFact]
    public async Task Update_OfMissingApproval_Conflicts()
    {
        var outcome = await SaveOneAsync(Update(NewApproval("apr_ghost") with { Version = 2 }, 1, null));

        Assert.Equal(WriteOutcome.Conflict, outcome);
        Assert.Null(await Stores.State.LoadApprovalAsync("apr_ghost", None));
    }

    [StoreFact]
    public async Task Create_Duplicate_ConflictsAndKeepsNothing()
    {
        var original = NewApproval("apr_1");
        var requested = await CreateWithEventAsync(original);

        var duplicate = original with { Title = "Impostor" };
        var duplicateEvent = NewEvent(duplicate, null);
        var outcome = await SaveOneAsync(Create(duplicate, [duplicateEvent]));

        Assert.Equal(WriteOutcome.Conflict, outcome);
        var loaded = await Stores.State.LoadApprovalAsync("apr_1", None);
        Assert.NotNull(loaded);
        Assert.Equal(original.Title, loaded.State.Title);
        Assert.Equal([requested.Id], (await Stores.Events.ReadSubjectAsync("apr_1", None)).Select(e => e.Id));
        Assert.Equal(1, await Stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Pending, None));
    }

    [StoreFact]
    public async Task Save_EmptyBatch_ReturnsNoOutcomes()
    {
        Assert.Empty(await Stores.State.SaveAsync([], None));
    }

    [StoreFact]
    public async Task Save_BatchWithOneConflict_CommitsTheOthersAndDropsTheConflictingEvents()
    {
        var a = NewApproval("apr_a");
        var aRequested = await CreateWithEventAsync(a);
        var b = NewApproval("apr_b");
        var c = NewApproval("apr_c");
        var staleA = a with { Status = ApprovalStatus.Approved, Version = 2 };
        var bEvent = NewEvent(b, null);
        var staleAEvent = NewEvent(staleA, aRequested.Hash, EventTypes.ApprovalApproved);
        var cEvent = NewEvent(c, null);

        var outcomes = await Stores.State.SaveAsync(
        [
            Create(b, [bEvent]),
            Update(staleA, 5, aRequested.Hash, [staleAEvent]),
            Create(c, [cEvent]),
        ], None);

        Assert.Equal([WriteOutcome.Committed, WriteOutcome.Conflict, WriteOutcome.Committed], outcomes);
        var loadedA = await Stores.State.LoadApprovalAsync("apr_a", None);
        Assert.NotNull(loadedA);
        Assert.Equal(1, loadedA.State.Version);
        Assert.Equal(ApprovalStatus.Pending, loadedA.State.Status);
        Assert.NotNull(await Stores.State.LoadApprovalAsync("apr_b", None));
        Assert.NotNull(await Stores.State.LoadApprovalAsync("apr_c", None));
        Assert.Equal([aRequested.Id, bEvent.Id, cEvent.Id], (await Stores.Events.ReadAfterAsync(0, 100, None)).Select(e => e.Id));
        Assert.Equal(3, await Stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Pending, None));
        Assert.Equal(0, await Stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Approved, None));
    }

    [StoreFact]
    public async Task Save_FailedBatch_KeepsNothingOfIt_AndLeavesEveryConnectionUsable() =>
        await AssertFailedBatchesLeaveStoreUsableAsync(bad =>
        {
            // One event id used twice in a batch: the database refuses it on any backend.
            var first = NewEvent(bad, null);
            return [Create(NewApproval(bad.Id + "_twin"), [first]), Create(bad, [first])];
        });

    /// <summary>
    /// Batches the database refuses fail whole, keep nothing, and leave every pooled connection
    /// usable: the writes that follow commit and read back normally.
    /// </summary>
    protected async Task AssertFailedBatchesLeaveStoreUsableAsync(Func<ApprovalState, StateWrite[]> failingBatch)
    {
        for (var round = 0; round < 8; round++)
        {
            var bad = NewApproval($"apr_bad{round}");
            await Assert.ThrowsAnyAsync<Exception>(() => Stores.State.SaveAsync(failingBatch(bad), None));
            Assert.Null(await Stores.State.LoadApprovalAsync(bad.Id, None));
            Assert.Null(await Stores.State.LoadApprovalAsync(bad.Id + "_twin", None));
        }

        var writes = Enumerable.Range(0, 16).Select(i => NewApproval($"apr_ok{i:D2}")).ToList();
        await Task.WhenAll(writes.Select(s => SaveCommittedAsync(Create(s, [NewEvent(s, null)]))));
        foreach (var state in writes)
        {
            Assert.Equal(state.Title, (await Stores.State.LoadApprovalAsync(state.Id, None))!.State.Title);
        }
        Assert.Equal(16, await Stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Pending, None));
        Assert.Equal(16, (await Stores.Events.ReadAfterAsync(0, 100, None)).Count);
    }

    [StoreFact]
    public async Task Save_ConcurrentUpdatesAtOneVersion_ExactlyOneCommits()
    {
        var created = NewApproval("apr_1");
        var requested = await CreateWithEventAsync(created);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            var next = created with { Status = i % 2 == 0 ? ApprovalStatus.Approved : ApprovalStatus.Rejected, DecidedBy = $"user_{i}", Version = 2 };
            return await SaveOneAsync(Update(next, 1, requested.Hash, [NewEvent(next, requested.Hash, EventTypes.ApprovalApproved)]));
        })));

        Assert.Single(outcomes, o => o == WriteOutcome.Committed);
        Assert.Equal(2, (await Stores.Events.ReadSubjectAsync("apr_1", None)).Count);
        var counts = await Stores.ApprovalQueries.CountByStatusAsync("tenant-a", None);
        Assert.Equal(0, counts[ApprovalStatus.Pending]);
        Assert.Equal(1, counts[ApprovalStatus.Approved] + counts[ApprovalStatus.Rejected]);
    }

    [StoreFact]
    public async Task Save_ConcurrentCreatesOfOneId_ExactlyOneCommits()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            var state = NewApproval("apr_1") with { Title = $"Writer {i}" };
            return await SaveOneAsync(Create(state, [NewEvent(state, null)]));
        })));

        Assert.Single(outcomes, o => o == WriteOutcome.Committed);
        Assert.Single(await Stores.Events.ReadSubjectAsync("apr_1", None));
        Assert.Equal(1, await Stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Pending, None));
    }

    // ---- events ----

    [StoreFact]
    public async Task Events_AreReadBackExactly_WithIncreasingSeq()
    {
        var a = NewApproval("apr_a");
        var e1 = NewEvent(a, null, at: T0.AddTicks(1_234_560));
        var e2 = NewEvent(a, e1.Hash, EventTypes.ApprovalDecisionRecorded, T0.AddSeconds(1).AddTicks(10));
        await SaveCommittedAsync(Create(a, [e1, e2]));
        var a2 = a with { Status = ApprovalStatus.Approved, Version = 2 };
        var e3 = NewEvent(a2, e2.Hash, EventTypes.ApprovalApproved, T0.AddMinutes(3));
        var b = NewApproval("apr_b");
        var f1 = NewEvent(b, null);
        await SaveCommittedAsync(Update(a2, 1, e2.Hash, [e3]), Create(b, [f1]));

        var read = await Stores.Events.ReadAfterAsync(0, 100, None);

        EventRecord[] written = [e1, e2, e3, f1];
        Assert.Equal(written.Length, read.Count);
        for (var i = 0; i < written.Length; i++)
        {
            Assert.Equal(written[i] with { Seq = read[i].Seq }, read[i]);
        }
        Assert.True(read[0].Seq > 0);
        Assert.All(read.Zip(read.Skip(1)), pair => Assert.True(pair.First.Seq < pair.Second.Seq));
    }

    [StoreFact]
    public async Task Events_DataTextIsStoredVerbatim()
    {
        var a = NewApproval("apr_a");
        // Keys in ordinal order ("aa" before "b"): a jsonb column would put the shorter key first.
        var data = new JsonObject
        {
            ["b"] = 1,
            ["aa"] = new JsonObject { ["z"] = "é \"q\" <tag> 🚀", ["y"] = 1.5 },
            ["list"] = new JsonArray(3, 1, 2),
            ["none"] = null,
        };
        var e = NewEvent(a, null, data: data);
        Assert.StartsWith("{\"aa\":", e.DataJson, StringComparison.Ordinal);
        await SaveCommittedAsync(Create(a, [e]));

        var read = Assert.Single(await Stores.Events.ReadSubjectAsync("apr_a", None));

        Assert.Equal(e.DataJson, read.DataJson);
        Assert.Equal(EventHasher.ComputeHash(read), read.Hash);
    }

    [StoreFact]
    public async Task ReadSubject_ReturnsOnlyThatSubject_OldestFirst_WithAnUnbrokenChain()
    {
        var a = NewApproval("apr_a");
        var b = NewApproval("apr_b");
        var a1 = NewEvent(a, null);
        var b1 = NewEvent(b, null);
        await SaveCommittedAsync(Create(a, [a1]), Create(b, [b1]));
        var a2State = a with { Status = ApprovalStatus.Approved, Version = 2 };
        var a2 = NewEvent(a2State, a1.Hash, EventTypes.ApprovalApproved);
        await SaveCommittedAsync(Update(a2State, 1, a1.Hash, [a2]));

        var chain = await Stores.Events.ReadSubjectAsync("apr_a", None);

        Assert.Equal([a1.Id, a2.Id], chain.Select(e => e.Id));
        Assert.Null(chain[0].PrevHash);
        Assert.Equal(chain[0].Hash, chain[1].PrevHash);
        Assert.All(chain, e => Assert.Equal(EventHasher.ComputeHash(e), e.Hash));
        Assert.Empty(await Stores.Events.ReadSubjectAsync("apr_none", None));
    }

    [StoreFact]
    public async Task ReadAfter_PagesThroughTheLogWithoutGapsOrDuplicates()
    {
        var written = new List<string>();
        for (var batch = 0; batch < 5; batch++)
        {
            var writes = new List<StateWrite>();
            for (var i = 0; i < 5; i++)
            {
                var state = NewApproval($"apr_{batch}_{i}");
                var e = NewEvent(state, null);
                written.Add(e.Id);
                writes.Add(Create(state, [e]));
            }
            await SaveCommittedAsync([.. writes]);
        }

        var read = new List<EventRecord>();
        var after = 0L;
        while (true)
        {
            var page = await Stores.Events.ReadAfterAsync(after, 7, None);
            Assert.True(page.Count <= 7);
            if (page.Count == 0)
            {
                break;
            }
            read.AddRange(page);
            after = page[^1].Seq;
        }

        Assert.Equal(written, read.Select(e => e.Id));
        Assert.Equal(read.Skip(3).Select(e => e.Id).ToArray(), (await Stores.Events.ReadAfterAsync(read[2].Seq, 100, None)).Select(e => e.Id));
        Assert.Empty(await Stores.Events.ReadAfterAsync(read[^1].Seq, 100, None));
    }

    // ---- idempotency ----

    [StoreFact]
    public async Task Idempotency_BeginCompleteReplay()
    {
        var retention = TimeSpan.FromHours(24);

        var first = await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-1", "hash-1", T0, retention, NoTakeOver, None);
        Assert.True(first.Started);
        Assert.Null(first.Existing);

        var inFlight = await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-1", "hash-1", T0.AddSeconds(1), retention, NoTakeOver, None);
        Assert.False(inFlight.Started);
        Assert.NotNull(inFlight.Existing);
        Assert.False(inFlight.Existing.Completed);

        await Stores.Idempotency.CompleteAsync("tenant-a:create", "key-1", 201, """{"id":"apr_1"}""", None);
        var replay = await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-1", "hash-1", T0.AddMinutes(1), retention, NoTakeOver, None);

        Assert.False(replay.Started);
        Assert.Equal(
            new IdempotencyRecord("tenant-a:create", "key-1", "hash-1", true, 201, """{"id":"apr_1"}""", T0, T0 + retention),
            replay.Existing);
    }

    [StoreFact]
    public async Task Idempotency_DifferentRequestHash_SeesTheExistingRecord()
    {
        await Stores.Idempotency.TryBeginAsync("s", "key-1", "hash-1", T0, TimeSpan.FromHours(1), NoTakeOver, None);
        await Stores.Idempotency.CompleteAsync("s", "key-1", 200, null, None);

        var other = await Stores.Idempotency.TryBeginAsync("s", "key-1", "hash-2", T0.AddMinutes(1), TimeSpan.FromHours(1), NoTakeOver, None);

        Assert.False(other.Started);
        Assert.NotNull(other.Existing);
        Assert.Equal("hash-1", other.Existing.RequestHash);
        Assert.True(other.Existing.Completed);
        Assert.Equal(200, other.Existing.StatusCode);
        Assert.Null(other.Existing.ResponseBody);
    }

    [StoreFact]
    public async Task Idempotency_ScopesAreIndependent()
    {
        Assert.True((await Stores.Idempotency.TryBeginAsync("tenant-a", "key-1", "h", T0, TimeSpan.FromHours(1), NoTakeOver, None)).Started);
        Assert.True((await Stores.Idempotency.TryBeginAsync("tenant-b", "key-1", "h", T0, TimeSpan.FromHours(1), NoTakeOver, None)).Started);
    }

    [StoreFact]
    public async Task Idempotency_ExpiredRecord_CanBeBegunAgain()
    {
        await Stores.Idempotency.TryBeginAsync("s", "key-1", "hash-1", T0, TimeSpan.FromHours(1), NoTakeOver, None);
        await Stores.Idempotency.CompleteAsync("s", "key-1", 201, "old", None);

        var later = T0.AddHours(2);
        var again = await Stores.Idempotency.TryBeginAsync("s", "key-1", "hash-2", later, TimeSpan.FromHours(1), NoTakeOver, None);
        var seen = await Stores.Idempotency.TryBeginAsync("s", "key-1", "hash-2", later, TimeSpan.FromHours(1), NoTakeOver, None);

        Assert.True(again.Started);
        Assert.Equal(new IdempotencyRecord("s", "key-1", "hash-2", false, 0, null, later, later.AddHours(1)), seen.Existing);
    }

    [StoreFact]
    public async Task Idempotency_Abandon_ReleasesAStartedKey_ButNotACompletedOne()
    {
        await Stores.Idempotency.TryBeginAsync("s", "started", "h", T0, TimeSpan.FromHours(1), NoTakeOver, None);
        await Stores.Idempotency.AbandonAsync("s", "started", None);
        Assert.True((await Stores.Idempotency.TryBeginAsync("s", "started", "h2", T0, TimeSpan.FromHours(1), NoTakeOver, None)).Started);

        await Stores.Idempotency.TryBeginAsync("s", "done", "h", T0, TimeSpan.FromHours(1), NoTakeOver, None);
        await Stores.Idempotency.CompleteAsync("s", "done", 200, "body", None);
        await Stores.Idempotency.AbandonAsync("s", "done", None);
        var replay = await Stores.Idempotency.TryBeginAsync("s", "done", "h", T0, TimeSpan.FromHours(1), NoTakeOver, None);
        Assert.False(replay.Started);
        Assert.Equal("body", replay.Existing?.ResponseBody);
    }

    [StoreFact]
    public async Task Idempotency_PurgeExpired_DeletesOnlyExpiredRecords()
    {
        await Stores.Idempotency.TryBeginAsync("s", "short", "h", T0, TimeSpan.FromHours(1), NoTakeOver, None);
        await Stores.Idempotency.CompleteAsync("s", "short", 200, "b", None);
        await Stores.Idempotency.TryBeginAsync("s", "long", "h", T0, TimeSpan.FromHours(3), NoTakeOver, None);

        Assert.Equal(1, await Stores.Idempotency.PurgeExpiredAsync(T0.AddHours(2), None));
        Assert.Equal(0, await Stores.Idempotency.PurgeExpiredAsync(T0.AddHours(2), None));

        var longRecord = await Stores.Idempotency.TryBeginAsync("s", "long", "h", T0.AddHours(2), TimeSpan.FromHours(1), NoTakeOver, None);
        Assert.False(longRecord.Started);
        Assert.Equal(T0.AddHours(3), longRecord.Existing?.ExpiresAt);
        // Once purged, the key is free even to a caller whose clock says it has not expired.
        Assert.True((await Stores.Idempotency.TryBeginAsync("s", "short", "h", T0, TimeSpan.FromHours(1), NoTakeOver, None)).Started);
    }

    [StoreFact]
    public async Task Idempotency_TwentyConcurrentBegins_ExactlyOneStarts()
    {
        var claims = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Task.Run(() => Stores.Idempotency.TryBeginAsync("s", "race", "hash-1", T0, TimeSpan.FromHours(1), NoTakeOver, None))));

        Assert.Single(claims, c => c.Started);
        Assert.All(claims.Where(c => !c.Started), c => Assert.Equal("hash-1", c.Existing?.RequestHash));
    }

    [StoreFact]
    public async Task Idempotency_StaleReservation_IsTakenOver()
    {
        var takeOver = TimeSpan.FromSeconds(30);
        await Stores.Idempotency.TryBeginAsync("s", "key-1", "hash-1", T0, TimeSpan.FromHours(1), takeOver, None);

        // Exactly takeOver after the reservation: its owner is presumed dead.
        var later = T0 + takeOver;
        var taken = await Stores.Idempotency.TryBeginAsync("s", "key-1", "hash-2", later, TimeSpan.FromHours(2), takeOver, None);
        var seen = await Stores.Idempotency.TryBeginAsync("s", "key-1", "hash-2", later.AddSeconds(1), TimeSpan.FromHours(2), takeOver, None);

        Assert.True(taken.Started);
        Assert.Null(taken.Existing);
        Assert.False(seen.Started);
        Assert.Equal(new IdempotencyRecord("s", "key-1", "hash-2", false, 0, null, later, later.AddHours(2)), seen.Existing);
    }

    [StoreFact]
    public async Task Idempotency_FreshReservation_IsNotTakenOver()
    {
        var takeOver = TimeSpan.FromSeconds(30);
        await Stores.Idempotency.TryBeginAsync("s", "key-1", "hash-1", T0, TimeSpan.FromHours(1), takeOver, None);

        var early = await Stores.Idempotency.TryBeginAsync("s", "key-1", "hash-2", T0 + takeOver - TimeSpan.FromMicroseconds(1), TimeSpan.FromHours(1), takeOver, None);

        Assert.False(early.Started);
        Assert.Equal(new IdempotencyRecord("s", "key-1", "hash-1", false, 0, null, T0, T0.AddHours(1)), early.Existing);
    }

    [StoreFact]
    public async Task Idempotency_CompletedRecord_IsNotTakenOverBeforeItExpires()
    {
        var takeOver = TimeSpan.FromSeconds(30);
        var retention = TimeSpan.FromHours(1);
        await Stores.Idempotency.TryBeginAsync("s", "by-complete", "h", T0, retention, takeOver, None);
        await Stores.Idempotency.CompleteAsync("s", "by-complete", 200, "done", None);
        var state = NewApproval("apr_1");
        await SaveCommittedAsync(Create(state) with { Idempotency = new IdempotencyCompletion("s", "by-write", "h", 201, "created", T0 + retention) });

        var lastMoment = T0 + retention - TimeSpan.FromMicroseconds(1);
        var byComplete = await Stores.Idempotency.TryBeginAsync("s", "by-complete", "h", lastMoment, retention, takeOver, None);
        var byWrite = await Stores.Idempotency.TryBeginAsync("s", "by-write", "h", lastMoment, retention, takeOver, None);

        Assert.False(byComplete.Started);
        Assert.Equal("done", byComplete.Existing?.ResponseBody);
        Assert.False(byWrite.Started);
        Assert.Equal("created", byWrite.Existing?.ResponseBody);
        // Once expired, the key is free again.
        Assert.True((await Stores.Idempotency.TryBeginAsync("s", "by-write", "h", T0 + retention, retention, takeOver, None)).Started);
    }

    [StoreFact]
    public async Task Idempotency_TwentyConcurrentTakeovers_ExactlyOneStarts()
    {
        var takeOver = TimeSpan.FromSeconds(30);
        await Stores.Idempotency.TryBeginAsync("s", "race", "hash-dead", T0, TimeSpan.FromHours(1), takeOver, None);
        var later = T0.AddMinutes(1);

        var claims = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => Stores.Idempotency.TryBeginAsync("s", "race", $"hash-{i}", later, TimeSpan.FromHours(1), takeOver, None))));

        var winner = Array.FindIndex(claims, c => c.Started);
        Assert.Single(claims, c => c.Started);
        Assert.All(claims.Where(c => !c.Started), c =>
            Assert.Equal(new IdempotencyRecord("s", "race", $"hash-{winner}", false, 0, null, later, later.AddHours(1)), c.Existing));
    }

    [StoreFact]
    public async Task Idempotency_TakeOverAfterOfZeroOrLess_IsRefused()
    {
        // Zero would let every concurrent caller take over the reservation the one before it made.
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            Stores.Idempotency.TryBeginAsync("s", "key-1", "h", T0, TimeSpan.FromHours(1), TimeSpan.Zero, None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            Stores.Idempotency.TryBeginAsync("s", "key-1", "h", T0, TimeSpan.FromHours(1), TimeSpan.FromSeconds(-1), None));
    }

    [StoreFact]
    public async Task Idempotency_HugeTakeOverAfter_NeverTakesOver()
    {
        await Stores.Idempotency.TryBeginAsync("s", "key-1", "hash-1", T0, TimeSpan.FromDays(3650), TimeSpan.MaxValue, None);

        var later = await Stores.Idempotency.TryBeginAsync("s", "key-1", "hash-2", T0.AddDays(3000), TimeSpan.FromHours(1), TimeSpan.MaxValue, None);

        Assert.False(later.Started);
        Assert.Equal("hash-1", later.Existing?.RequestHash);
    }

    // ---- idempotency completed by a state write ----

    /// <summary>A replayable response; the body has JSON escapes and non-ASCII text, which must come back exactly.</summary>
    private static IdempotencyCompletion Completion(string key, string requestHash = "hash-1", int statusCode = 201, string? body = null) =>
        new("tenant-a:create", key, requestHash, statusCode, body ?? $$"""{"id":"apr_1","key":"{{key}}","title":"“ship” "it" ✓ 🚀"}""", T0.AddHours(24));

    [StoreFact]
    public async Task WriteWithIdempotency_CompletesItsReservation_InTheSameCommit()
    {
        var reserved = await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-1", "hash-1", T0, TimeSpan.FromHours(1), NoTakeOver, None);
        Assert.True(reserved.Started);
        var state = NewApproval("apr_1", createdAt: T0.AddSeconds(1));
        var completion = Completion("key-1");

        Assert.Equal(WriteOutcome.Committed, await SaveOneAsync(Create(state, [NewEvent(state, null)]) with { Idempotency = completion }));
        var replay = await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-1", "hash-1", T0.AddMinutes(1), TimeSpan.FromHours(1), NoTakeOver, None);

        Assert.False(replay.Started);
        // The reservation's created_at stays; status, body and expiry are the completion's, exactly.
        Assert.Equal(new IdempotencyRecord("tenant-a:create", "key-1", "hash-1", true, 201, completion.ResponseBody, T0, T0.AddHours(24)), replay.Existing);
    }

    [StoreFact]
    public async Task WriteWithIdempotency_WithoutAReservation_StoresTheCompletedRecord()
    {
        var state = NewApproval("apr_1", createdAt: T0.AddSeconds(5));
        var completion = Completion("key-1", statusCode: 200, body: "");

        await SaveCommittedAsync(Create(state) with { Idempotency = completion });
        var replay = await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-1", "hash-1", T0.AddMinutes(1), TimeSpan.FromHours(1), NoTakeOver, None);

        Assert.False(replay.Started);
        // A record made by the write itself is created at the time of the write.
        Assert.Equal(new IdempotencyRecord("tenant-a:create", "key-1", "hash-1", true, 200, "", state.UpdatedAt, T0.AddHours(24)), replay.Existing);
    }

    [StoreFact]
    public async Task WriteWithIdempotency_ReplacesAReservationTakenOverByThisRequest()
    {
        // The first owner died; this request took the key over, then wrote with a different hash on record.
        var takeOver = TimeSpan.FromSeconds(30);
        await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-1", "hash-dead", T0, TimeSpan.FromHours(1), takeOver, None);
        Assert.True((await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-1", "hash-1", T0.AddMinutes(1), TimeSpan.FromHours(1), takeOver, None)).Started);

        await SaveCommittedAsync(Create(NewApproval("apr_1", createdAt: T0.AddMinutes(1))) with { Idempotency = Completion("key-1") });
        var replay = await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-1", "hash-1", T0.AddMinutes(2), TimeSpan.FromHours(1), takeOver, None);

        Assert.False(replay.Started);
        Assert.Equal(
            new IdempotencyRecord("tenant-a:create", "key-1", "hash-1", true, 201, Completion("key-1").ResponseBody, T0.AddMinutes(1), T0.AddHours(24)),
            replay.Existing);
    }

    [StoreFact]
    public async Task WriteWithIdempotency_ThatConflicts_KeepsNoCompletion_WhileTheRestOfTheBatchKeepsTheirs()
    {
        var a = NewApproval("apr_a");
        var aRequested = await CreateWithEventAsync(a);
        await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-stale", "hash-1", T0, TimeSpan.FromHours(1), NoTakeOver, None);
        var staleA = a with { Status = ApprovalStatus.Approved, Version = 2 };

        var outcomes = await Stores.State.SaveAsync(
        [
            Create(NewApproval("apr_b")) with { Idempotency = Completion("key-b") },
            Update(staleA, 5, aRequested.Hash, [NewEvent(staleA, aRequested.Hash, EventTypes.ApprovalApproved)]) with { Idempotency = Completion("key-stale") },
            Create(a with { Title = "Duplicate" }) with { Idempotency = Completion("key-duplicate") },
        ], None);

        Assert.Equal([WriteOutcome.Committed, WriteOutcome.Conflict, WriteOutcome.Conflict], outcomes);
        var b = await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-b", "hash-1", T0.AddMinutes(1), TimeSpan.FromHours(1), NoTakeOver, None);
        Assert.False(b.Started);
        Assert.True(b.Existing?.Completed);
        // The conflicting write's reservation is as it was: still open, no response.
        var stale = await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-stale", "hash-1", T0.AddMinutes(1), TimeSpan.FromHours(1), NoTakeOver, None);
        Assert.False(stale.Started);
        Assert.Equal(new IdempotencyRecord("tenant-a:create", "key-stale", "hash-1", false, 0, null, T0, T0.AddHours(1)), stale.Existing);
        // And a conflicting write without a reservation leaves no record at all.
        Assert.True((await Stores.Idempotency.TryBeginAsync("tenant-a:create", "key-duplicate", "hash-1", T0.AddMinutes(1), TimeSpan.FromHours(1), NoTakeOver, None)).Started);
    }

    [StoreFact]
    public async Task WritesWithIdempotency_ManyInOneBatch_EachStoresItsOwn()
    {
        var writes = Enumerable.Range(0, 30)
            .Select(i => (StateWrite)(Create(NewApproval($"apr_{i:00}")) with { Idempotency = Completion($"key-{29 - i:00}", $"hash-{i}", 200 + i, $"body {i}") }))
            .ToArray();

        await SaveCommittedAsync(writes);

        for (var i = 0; i < 30; i++)
        {
            var replay = await Stores.Idempotency.TryBeginAsync("tenant-a:create", $"key-{29 - i:00}", $"hash-{i}", T0.AddMinutes(1), TimeSpan.FromHours(1), NoTakeOver, None);
            Assert.Equal(new IdempotencyRecord("tenant-a:create", $"key-{29 - i:00}", $"hash-{i}", true, 200 + i, $"body {i}", T0, T0.AddHours(24)), replay.Existing);
        }
    }

    // ---- list and count ----

    private async Task SeedListAsync()
    {
        await SaveCommittedAsync(
            Create(NewApproval("a1", createdAt: T0.AddMinutes(1)) with { AgentId = "agent-1", RequestedBy = "alice", WorkflowId = "wf-1" }),
            Create(NewApproval("a2", createdAt: T0.AddMinutes(2)) with { Status = ApprovalStatus.Approved, RiskScore = 50, AgentId = "agent-2", RequestedBy = "bob" }),
            Create(NewApproval("a3", createdAt: T0.AddMinutes(3)) with { Status = ApprovalStatus.Rejected, RiskScore = 75, RequestedBy = "alice", WorkflowId = "wf-2" }),
            Create(NewApproval("a4", createdAt: T0.AddMinutes(4)) with { RiskScore = 95, AgentId = "agent-1", RequestedBy = "carol", WorkflowId = "wf-1" }),
            Create(NewApproval("b1", "tenant-b", T0.AddMinutes(5)) with { AgentId = "agent-1", RequestedBy = "alice", WorkflowId = "wf-1" }));
    }

    [StoreFact]
    public async Task List_AppliesEveryFilter_NewestFirst_WithinTheTenant()
    {
        await SeedListAsync();
        var a = new ApprovalQuery("tenant-a");
        (string Name, ApprovalQuery Query, string[] Expected)[] cases =
        [
            ("none", a, ["a4", "a3", "a2", "a1"]),
            ("status", a with { Status = ApprovalStatus.Pending }, ["a4", "a1"]),
            ("risk level", a with { RiskLevel = RiskLevel.High }, ["a3"]),
            ("agent", a with { AgentId = "agent-1" }, ["a4", "a1"]),
            ("requested by", a with { RequestedBy = "alice" }, ["a3", "a1"]),
            ("workflow", a with { WorkflowId = "wf-1" }, ["a4", "a1"]),
            ("created after (exclusive)", a with { CreatedAfter = T0.AddMinutes(2) }, ["a4", "a3"]),
            ("created before (exclusive)", a with { CreatedBefore = T0.AddMinutes(3) }, ["a2", "a1"]),
            ("combined", a with { Status = ApprovalStatus.Pending, AgentId = "agent-1", WorkflowId = "wf-1", RequestedBy = "carol" }, ["a4"]),
            ("nothing matches", a with { Status = ApprovalStatus.Cancelled }, []),
            ("other tenant", new ApprovalQuery("tenant-b"), ["b1"]),
            ("unknown tenant", new ApprovalQuery("tenant-c"), []),
        ];

        foreach (var (name, query, expected) in cases)
        {
            var page = await Stores.ApprovalQueries.ListAsync(query, None);
            var actual = page.Items.Select(s => s.Id).ToArray();
            Assert.True(expected.SequenceEqual(actual), $"{name}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
            Assert.Null(page.Next);
        }
    }

    [StoreFact]
    public async Task List_ReturnsFullStates()
    {
        var state = NewApproval("apr_1") with { Decisions = [new Decision(DecisionKind.Reject, "bob", "Bob", "no", T0.AddMinutes(1))], ContextJson = """{"k":[1]}""" };
        await SaveCommittedAsync(Create(state));

        var listed = Assert.Single((await Stores.ApprovalQueries.ListAsync(new ApprovalQuery("tenant-a"), None)).Items);

        AssertSameState(state, listed);
    }

    [StoreFact]
    public async Task List_CursorPagination_VisitsEveryRowOnceNewestFirst()
    {
        // Triples share a creation time (to the microsecond), so the id breaks ties.
        var states = Enumerable.Range(0, 95)
            .Select(i => NewApproval($"apr_{i:000}", createdAt: T0.AddTicks(i / 3 * 10)))
            .ToList();
        foreach (var chunk in states.Chunk(40))
        {
            await SaveCommittedAsync([.. chunk.Select(s => Create(s))]);
        }
        await SaveCommittedAsync(Create(NewApproval("apr_other_tenant", "tenant-b", T0.AddTicks(5))));
        var expected = states
            .OrderByDescending(s => s.CreatedAt)
            .ThenByDescending(s => s.Id, StringComparer.Ordinal)
            .Select(s => s.Id)
            .ToList();

        var seen = new List<string>();
        PageCursor? cursor = null;
        var pages = 0;
        do
        {
            var page = await Stores.ApprovalQueries.ListAsync(new ApprovalQuery("tenant-a") { Limit = 10, After = cursor }, None);
            pages++;
            Assert.True(page.Items.Count <= 10);
            seen.AddRange(page.Items.Select(s => s.Id));
            // The cursor travels through the API as text.
            cursor = page.Next is { } next && PageCursor.TryDecode(next.Encode(), out var decoded) ? decoded : null;
            Assert.Equal(page.Next, cursor);
            Assert.True(pages <= 10, "pagination did not end");
        }
        while (cursor is not null);

        Assert.Equal(10, pages);
        Assert.Equal(expected, seen);
    }

    [StoreFact]
    public async Task List_DeadlineOrder_SoonestFirst_CursorVisitsEveryRowOnce()
    {
        // Deadlines run against creation order, triples share a deadline (the id breaks ties), and a
        // decided request and another tenant's lie in between: the status filter and the tenant keep them out.
        var states = Enumerable.Range(0, 35)
            .Select(i => NewApproval($"apr_{i:000}", createdAt: T0.AddSeconds(i)) with { ExpiresAt = T0.AddHours(10).AddTicks(-(i / 3 * 10)) })
            .ToList();
        await SaveCommittedAsync([.. states.Select(s => Create(s))]);
        await SaveCommittedAsync(
            Create(NewApproval("apr_decided") with { Status = ApprovalStatus.Approved, ExpiresAt = T0.AddHours(5) }),
            Create(NewApproval("apr_other_tenant", "tenant-b") with { ExpiresAt = T0.AddHours(5) }));
        var expected = states
            .OrderBy(s => s.ExpiresAt)
            .ThenBy(s => s.Id, StringComparer.Ordinal)
            .Select(s => s.Id)
            .ToList();

        var seen = new List<string>();
        PageCursor? cursor = null;
        var pages = 0;
        do
        {
            var query = new ApprovalQuery("tenant-a") { Status = ApprovalStatus.Pending, Order = ApprovalOrder.Deadline, Limit = 10, After = cursor };
            var page = await Stores.ApprovalQueries.ListAsync(query, None);
            pages++;
            seen.AddRange(page.Items.Select(s => s.Id));
            cursor = page.Next is { } next && PageCursor.TryDecode(next.Encode(), out var decoded) ? decoded : null;
            Assert.True(pages <= 4, "pagination did not end");
        }
        while (cursor is not null);

        Assert.Equal(4, pages);
        Assert.Equal(expected, seen);
        // The last filed is due first; of the three due together, the lowest id leads.
        Assert.Equal(["apr_033", "apr_034"], seen[..2]);
        Assert.Equal("apr_002", seen[^1]);
    }

    [StoreFact]
    public async Task List_ExactMultipleOfTheLimit_LastPageHasNoCursor()
    {
        await SaveCommittedAsync([.. Enumerable.Range(0, 20).Select(i => Create(NewApproval($"apr_{i:00}", createdAt: T0.AddSeconds(i))))]);

        var first = await Stores.ApprovalQueries.ListAsync(new ApprovalQuery("tenant-a") { Limit = 10 }, None);
        Assert.NotNull(first.Next);
        Assert.Equal(new PageCursor(T0.AddSeconds(10), "apr_10"), first.Next);
        var second = await Stores.ApprovalQueries.ListAsync(new ApprovalQuery("tenant-a") { Limit = 10, After = first.Next }, None);

        Assert.Equal(10, second.Items.Count);
        Assert.Equal("apr_00", second.Items[^1].Id);
        Assert.Null(second.Next);
    }

    [StoreFact]
    public async Task Count_CountsOneStatusOfOneTenant()
    {
        await SeedListAsync();

        Assert.Equal(2, await Stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Pending, None));
        Assert.Equal(1, await Stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Approved, None));
        Assert.Equal(0, await Stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Expired, None));
        Assert.Equal(1, await Stores.ApprovalQueries.CountAsync("tenant-b", ApprovalStatus.Pending, None));
    }

    [StoreFact]
    public async Task CountByStatus_HasEveryStatus_ZeroWhenNone()
    {
        await SeedListAsync();

        var counts = await Stores.ApprovalQueries.CountByStatusAsync("tenant-a", None);
        var none = await Stores.ApprovalQueries.CountByStatusAsync("tenant-c", None);

        Assert.Equal(Enum.GetValues<ApprovalStatus>().Length, counts.Count);
        Assert.Equal(2, counts[ApprovalStatus.Pending]);
        Assert.Equal(1, counts[ApprovalStatus.Approved]);
        Assert.Equal(1, counts[ApprovalStatus.Rejected]);
        Assert.Equal(0, counts[ApprovalStatus.Expired]);
        Assert.Equal(0, counts[ApprovalStatus.Cancelled]);
        Assert.All(Enum.GetValues<ApprovalStatus>(), s => Assert.Equal(0, none[s]));
    }

    [StoreFact]
    public async Task CountAllByStatus_AddsUpEveryTenant_WithEveryStatus()
    {
        Assert.All((await Stores.ApprovalQueries.CountAllByStatusAsync(None)).Values, n => Assert.Equal(0, n));
        await SeedListAsync();

        var all = await Stores.ApprovalQueries.CountAllByStatusAsync(None);
        var a = await Stores.ApprovalQueries.CountByStatusAsync("tenant-a", None);
        var b = await Stores.ApprovalQueries.CountByStatusAsync("tenant-b", None);

        Assert.Equal(Enum.GetValues<ApprovalStatus>().Length, all.Count);
        Assert.All(Enum.GetValues<ApprovalStatus>(), s => Assert.Equal(a[s] + b[s], all[s]));
        Assert.Equal(3, all[ApprovalStatus.Pending]);
    }

    [StoreFact]
    public async Task Count_FollowsStatusChanges()
    {
        var created = NewApproval("apr_1");
        var requested = await CreateWithEventAsync(created);
        await CreateWithEventAsync(NewApproval("apr_2"));
        var expired = created with { Status = ApprovalStatus.Expired, Version = 2 };
        await SaveCommittedAsync(Update(expired, 1, requested.Hash));
        // A write that keeps the status changes no count.
        await SaveCommittedAsync(Update(expired with { Title = "Renamed", Version = 3 }, 2, requested.Hash));

        Assert.Equal(1, await Stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Pending, None));
        Assert.Equal(1, await Stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Expired, None));
        Assert.Equal(["apr_1"], (await Stores.ApprovalQueries.ListAsync(new ApprovalQuery("tenant-a") { Status = ApprovalStatus.Expired }, None)).Items.Select(s => s.Id));
    }

    // ---- change feed ----

    [StoreFact]
    public async Task Listen_EndsWithoutAnError_WhenCancelled()
    {
        using var cancel = new CancellationTokenSource();
        var listening = Task.Run(async () =>
        {
            var notices = new List<EventLogMoved>();
            await foreach (var notice in Stores.ChangeFeed.ListenAsync(cancel.Token))
            {
                notices.Add(notice);
            }
            return notices;
        });

        await cancel.CancelAsync();

        // A deadline, not a wait: the sequence must end promptly once cancelled.
        Assert.Empty(await listening.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [StoreFact]
    public async Task Listen_AlreadyCancelled_EndsAtOnce()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await using var notices = Stores.ChangeFeed.ListenAsync(cancel.Token).GetAsyncEnumerator();

        Assert.False(await notices.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
    }

    // ---- one object per port ----

    [StoreFact]
    public void EveryPort_IsServedByAClassOfItsOwn()
    {
        var ports = typeof(IStateStore).Assembly.GetExportedTypes()
            .Where(t => t.IsInterface && t.Namespace == typeof(IStateStore).Namespace)
            .ToHashSet();
        var served = typeof(StoreSet).GetProperties().Select(p => p.GetValue(Stores)!).ToList();

        // A class behind several ports gets reached by casting one object to the others, which the split removed.
        Assert.All(served, store => Assert.Single(store.GetType().GetInterfaces(), ports.Contains));
        Assert.Equal(served.Count, served.Select(store => store.GetType()).Distinct().Count());
        // A port added to Core fails here until StoreSet carries the backend's class for it.
        Assert.Equal(ports.OrderBy(p => p.Name), served.Select(store => store.GetType().GetInterfaces().Single(ports.Contains)).OrderBy(p => p.Name));
    }

    // ---- schema and health ----

    [StoreFact]
    public async Task Migrate_AgainOnAMigratedStore_IsHarmless()
    {
        var requested = await CreateWithEventAsync(NewApproval("apr_1"));

        await Stores.Database.MigrateAsync(None);
        await Stores.Database.MigrateAsync(None);

        Assert.NotNull(await Stores.State.LoadApprovalAsync("apr_1", None));
        Assert.Equal([requested.Id], (await Stores.Events.ReadAfterAsync(0, 10, None)).Select(e => e.Id));
    }

    [StoreFact]
    public async Task IsReachable_WhenTheDatabaseAnswers_IsTrue()
    {
        Assert.True(await Stores.Database.IsReachableAsync(None));
    }
}
