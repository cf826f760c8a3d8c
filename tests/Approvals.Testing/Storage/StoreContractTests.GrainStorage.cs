using Approvals.Contracts;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Approvals.Grains.Approvals;
using Approvals.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Approvals.Testing.Storage;

/// <summary>
/// Our Orleans grain storage over this backend's store: what a grain reads and writes through
/// <c>IPersistentState</c> is the row, its events and its idempotent reply, committed together with
/// ETag = version, and a lost race is Orleans' <see cref="InconsistentStateException"/>.
/// </summary>
public abstract partial class StoreContractTests
{
    private static GrainId ApprovalGrainId(string tenant, string id) => GrainId.Create("approval", $"{tenant}/{id}");

    private (GroupCommitGrainStorage Storage, GroupCommitWriter Writer) GrainStorage()
    {
        var writer = new GroupCommitWriter(Stores.State, 16, new StorageMetrics(), NullLogger<GroupCommitWriter>.Instance);
        return (new GroupCommitGrainStorage(Stores.State, writer, new EventLogSignal(), new StorageMetrics()), writer);
    }

    /// <summary>An empty record in the grain state Orleans hands a storage.</summary>
    private static (GrainState<ApprovalRecord> State, ApprovalRecord Record) NewGrainState()
    {
        var record = new ApprovalRecord();
        return (new GrainState<ApprovalRecord>(record), record);
    }

    [StoreFact]
    public async Task GrainStorage_ReadOfNothing_IsNoRecord_AndAWriteCreatesItWithItsEvents_ETagIsTheVersion()
    {
        var (storage, writer) = GrainStorage();
        await using var _ = writer;
        var grain = ApprovalGrainId("tenant-a", "apr_1");
        var (state, record) = NewGrainState();

        await storage.ReadStateAsync("approval", grain, state);
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Null(record.Current);

        var created = NewApproval("apr_1");
        var requested = NewEvent(created, null);
        record.Pending = Create(created, [requested]);
        await storage.WriteStateAsync("approval", grain, state);

        Assert.True(state.RecordExists);
        Assert.Equal("1", state.ETag);
        Assert.Equal(created, record.Current!.State);
        Assert.Null(record.Pending);
        var loaded = await Stores.State.LoadApprovalAsync("apr_1", None);
        Assert.Equivalent(created, loaded!.State, strict: true);
        Assert.Equal(requested.Hash, loaded.ChainHead);
        Assert.Equal([requested.Id], (await Stores.Events.ReadSubjectAsync("apr_1", None)).Select(e => e.Id));

        var (reread, rereadRecord) = NewGrainState();
        await storage.ReadStateAsync("approval", grain, reread);
        Assert.True(reread.RecordExists);
        Assert.Equal("1", reread.ETag);
        Assert.Equal(requested.Hash, rereadRecord.Current!.ChainHead);
    }

    [StoreFact]
    public async Task GrainStorage_AWriteBehindAStaleVersion_IsInconsistentState_AndCommitsNothingOfIt()
    {
        var (storage, writer) = GrainStorage();
        await using var _ = writer;
        var grain = ApprovalGrainId("tenant-a", "apr_1");
        var created = NewApproval("apr_1");
        var requested = await CreateWithEventAsync(created);
        var (state, record) = NewGrainState();
        await storage.ReadStateAsync("approval", grain, state);

        // Another activation (another node) decides first.
        var approved = created with { Status = ApprovalStatus.Approved, Version = 2, UpdatedAt = T0.AddMinutes(1) };
        var approvedEvent = NewEvent(approved, requested.Hash, EventTypes.ApprovalApproved);
        await SaveCommittedAsync(Update(approved, 1, requested.Hash, [approvedEvent]));

        await Stores.Idempotency.TryBeginAsync("tenant-a|Person|user_rev", "key-lost", "hash-1", T0, TimeSpan.FromHours(1), NoTakeOver, None);
        var rejected = created with { Status = ApprovalStatus.Rejected, Version = 2, UpdatedAt = T0.AddMinutes(1) };
        record.Pending = Update(rejected, 1, requested.Hash, [NewEvent(rejected, requested.Hash, EventTypes.ApprovalRejected)]) with
        {
            Idempotency = new IdempotencyCompletion("tenant-a|Person|user_rev", "key-lost", "hash-1", 200, "{}", T0.AddHours(1)),
        };

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("approval", grain, state));

        Assert.Equal(ApprovalStatus.Approved, (await Stores.State.LoadApprovalAsync("apr_1", None))!.State.Status);
        Assert.Equal([requested.Id, approvedEvent.Id], (await Stores.Events.ReadSubjectAsync("apr_1", None)).Select(e => e.Id));
        var reservation = await Stores.Idempotency.TryBeginAsync("tenant-a|Person|user_rev", "key-lost", "hash-1", T0.AddMinutes(1), TimeSpan.FromHours(1), NoTakeOver, None);
        Assert.False(reservation.Existing!.Completed);

        // Reading again gives the grain the winner's state and version, to decide again on.
        await storage.ReadStateAsync("approval", grain, state);
        Assert.Equal("2", state.ETag);
        Assert.Equal(ApprovalStatus.Approved, record.Current!.State.Status);
        Assert.Null(record.Pending);
    }

    [StoreFact]
    public async Task GrainStorage_TheIdempotentReply_CommitsWithTheChange()
    {
        var (storage, writer) = GrainStorage();
        await using var _ = writer;
        await Stores.Idempotency.TryBeginAsync("tenant-a|Person|user_req", "key-1", "hash-1", T0, TimeSpan.FromHours(1), NoTakeOver, None);
        var created = NewApproval("apr_1");
        var (state, record) = NewGrainState();
        record.Pending = Create(created, [NewEvent(created, null)]) with
        {
            Idempotency = new IdempotencyCompletion("tenant-a|Person|user_req", "key-1", "hash-1", 201, "{\"id\":\"apr_1\"}", T0.AddHours(1)),
        };

        await storage.WriteStateAsync("approval", ApprovalGrainId("tenant-a", "apr_1"), state);

        var replay = await Stores.Idempotency.TryBeginAsync("tenant-a|Person|user_req", "key-1", "hash-1", T0.AddMinutes(1), TimeSpan.FromHours(1), NoTakeOver, None);
        Assert.False(replay.Started);
        Assert.True(replay.Existing!.Completed);
        Assert.Equal(201, replay.Existing.StatusCode);
        Assert.Equal("{\"id\":\"apr_1\"}", replay.Existing.ResponseBody);
    }

    [StoreFact]
    public async Task GrainStorage_AnotherTenantsRowUnderTheSameId_IsNoRecord()
    {
        var (storage, writer) = GrainStorage();
        await using var _ = writer;
        await CreateWithEventAsync(NewApproval("apr_1", tenantId: "tenant-a"));

        var (state, record) = NewGrainState();
        await storage.ReadStateAsync("approval", ApprovalGrainId("tenant-b", "apr_1"), state);

        Assert.False(state.RecordExists);
        Assert.Null(record.Current);
    }

    [StoreFact]
    public async Task GrainStorage_NeverDeletes()
    {
        var (storage, writer) = GrainStorage();
        await using var _ = writer;
        await CreateWithEventAsync(NewApproval("apr_1"));
        var (state, record) = NewGrainState();
        await storage.ReadStateAsync("approval", ApprovalGrainId("tenant-a", "apr_1"), state);

        await Assert.ThrowsAsync<NotSupportedException>(() => storage.ClearStateAsync("approval", ApprovalGrainId("tenant-a", "apr_1"), state));
        Assert.NotNull(await Stores.State.LoadApprovalAsync("apr_1", None));
    }
}
