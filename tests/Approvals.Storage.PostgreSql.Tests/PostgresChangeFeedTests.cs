using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using Npgsql;

namespace Approvals.Storage.PostgreSql.Tests;

/// <summary>
/// The change feed between nodes: a node (its own data source, so its own connections) hears, through
/// LISTEN/NOTIFY, one notice per batch of another node that committed events, and nothing of batches
/// that appended none, did not commit, or belong to other schemas. Absence is shown by ordering, never by waiting: PostgreSQL delivers notices in
/// commit order, so once a later marker write arrives, an earlier notice that was sent would have too.
/// </summary>
public sealed class PostgresChangeFeedTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private PostgresDatabase _database = null!;
    private NpgsqlDataSource _nodeBDataSource = null!;

    /// <summary>Node A, which writes.</summary>
    private StoreSet NodeA { get; set; } = null!;

    /// <summary>Node B, which listens: the same schema through a data source of its own.</summary>
    private StoreSet NodeB { get; set; } = null!;

    public async Task InitializeAsync()
    {
        if (PostgresEnvironment.SkipReason is not null)
        {
            return;
        }
        _database = await PostgresDatabase.CreateAsync();
        NodeA = StoreSet.Postgres(_database.DataSource);
        await NodeA.Database.MigrateAsync(None);
        _nodeBDataSource = PostgresStoreDatabase.CreateDataSource(_database.ConnectionString);
        NodeB = StoreSet.Postgres(_nodeBDataSource);
    }

    public async Task DisposeAsync()
    {
        if (_nodeBDataSource is not null)
        {
            await _nodeBDataSource.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [PostgresFact]
    public async Task ACommittedBatchWithEvents_IsHeardByAnotherNode_AsOneNoticePerBatch()
    {
        await using var listener = await FeedListener.StartAsync(NodeB.ChangeFeed, _database);
        var a = NewApproval("apr_a");
        var b = NewApproval("apr_b");

        Assert.Equal([WriteOutcome.Committed, WriteOutcome.Committed],
            await NodeA.State.SaveAsync([Create(a, NewEvent(a, null)), Create(b, NewEvent(b, null))], None));
        var first = await LastSeqAsync();
        await listener.WaitForAsync(first);
        var w = TestWorkflows.New("wf_a");
        await NodeA.State.SaveAsync([TestWorkflows.Create(w, [TestWorkflows.Event(w, null)])], None);
        var second = await LastSeqAsync();
        await listener.WaitForAsync(second);

        // One notice per batch (not per write or per event), in commit order, each with the batch's last event.
        Assert.Equal([new EventLogMoved(first), new EventLogMoved(second)], listener.Seen);
    }

    [PostgresFact]
    public async Task ABatchThatAppendsNoEvent_SendsNothing()
    {
        var a = NewApproval("apr_a");
        await NodeA.State.SaveAsync([Create(a)], None);
        await using var listener = await FeedListener.StartAsync(NodeB.ChangeFeed, _database);

        // Committed writes without events move no log; conflicting writes with events commit none of them.
        Assert.Equal([WriteOutcome.Committed, WriteOutcome.Committed],
            await NodeA.State.SaveAsync([Create(NewApproval("apr_b")), Update(a with { Version = 2 }, 1)], None));
        var stale = a with { Title = "Stale", Version = 2 };
        Assert.Equal([WriteOutcome.Conflict, WriteOutcome.Conflict],
            await NodeA.State.SaveAsync([Create(a with { Title = "Duplicate" }, NewEvent(a, null)), Update(stale, 7, NewEvent(stale, null))], None));
        var marker = NewApproval("apr_marker");
        await NodeA.State.SaveAsync([Create(marker, NewEvent(marker, null))], None);
        var markerSeq = await LastSeqAsync();

        await listener.WaitForAsync(markerSeq);
        Assert.Equal([new EventLogMoved(markerSeq)], listener.Seen);
    }

    [PostgresFact]
    public async Task ABatchWithAConflict_AnnouncesTheEventsOfItsCommittedWrites()
    {
        var a = NewApproval("apr_a");
        await NodeA.State.SaveAsync([Create(a)], None);
        await using var listener = await FeedListener.StartAsync(NodeB.ChangeFeed, _database);
        var b = NewApproval("apr_b");
        var stale = a with { Version = 2 };

        Assert.Equal([WriteOutcome.Committed, WriteOutcome.Conflict],
            await NodeA.State.SaveAsync([Create(b, NewEvent(b, null)), Update(stale, 7, NewEvent(stale, null))], None));
        var seq = await LastSeqAsync();

        await listener.WaitForAsync(seq);
        Assert.Equal([new EventLogMoved(seq)], listener.Seen);
        Assert.Equal(["apr_b"], (await NodeA.Events.ReadAfterAsync(0, 10, None)).Select(e => e.SubjectId));
    }

    [PostgresFact]
    public async Task AWriteThatNeverCommits_SendsNothing()
    {
        var a = NewApproval("apr_a");
        var requested = NewEvent(a, null);
        await NodeA.State.SaveAsync([Create(a, requested)], None);
        await using var listener = await FeedListener.StartAsync(NodeB.ChangeFeed, _database);

        // The state row goes in, then the event insert fails (its id is taken) before the notice is
        // queued, and the whole transaction rolls back: nothing may be announced.
        var doomed = NewApproval("apr_doomed");
        var duplicateEvent = NewEvent(doomed, null) with { Id = requested.Id };
        var error = await Assert.ThrowsAsync<PostgresException>(() => NodeA.State.SaveAsync([Create(doomed, duplicateEvent)], None));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
        Assert.Null(await NodeA.State.LoadApprovalAsync("apr_doomed", None));
        var marker = NewApproval("apr_marker");
        await NodeA.State.SaveAsync([Create(marker, NewEvent(marker, null))], None);
        var markerSeq = await LastSeqAsync();

        await listener.WaitForAsync(markerSeq);
        Assert.Equal([new EventLogMoved(markerSeq)], listener.Seen);
    }

    [PostgresFact]
    public async Task AnotherSchemasListener_HearsNothing()
    {
        await using var other = await PostgresDatabase.CreateAsync();
        var otherNode = StoreSet.Postgres(other.DataSource);
        await otherNode.Database.MigrateAsync(None);
        await using var sameSchema = await FeedListener.StartAsync(NodeB.ChangeFeed, _database);
        await using var otherSchema = await FeedListener.StartAsync(otherNode.ChangeFeed, other);

        var here = NewApproval("apr_here");
        await NodeA.State.SaveAsync([Create(here, NewEvent(here, null))], None);
        var hereSeq = await LastSeqAsync();
        await sameSchema.WaitForAsync(hereSeq);
        var there = NewApproval("apr_there");
        await otherNode.State.SaveAsync([Create(there, NewEvent(there, null)), Create(NewApproval("apr_there_2"), NewEvent(NewApproval("apr_there_2"), null))], None);
        var thereSeq = (await otherNode.Events.ReadAfterAsync(0, 10, None))[^1].Seq;

        await otherSchema.WaitForAsync(thereSeq);
        Assert.Equal([new EventLogMoved(thereSeq)], otherSchema.Seen);
        Assert.Equal([new EventLogMoved(hereSeq)], sameSchema.Seen);
    }

    [PostgresFact]
    public async Task ALargeBatch_SendsOneNotice()
    {
        await using var listener = await FeedListener.StartAsync(NodeB.ChangeFeed, _database);
        // Far more ids than the 8,000-byte notice payload could have listed: the notice carries none.
        var approvals = Enumerable.Range(0, 400).Select(i => NewApproval($"apr_{i:000}_{new string('x', 40)}")).ToList();

        await NodeA.State.SaveAsync([.. approvals.Select(a => Create(a, NewEvent(a, null)))], None);
        var seq = await LastSeqAsync();
        var marker = NewApproval("apr_marker");
        await NodeA.State.SaveAsync([Create(marker, NewEvent(marker, null))], None);
        var markerSeq = await LastSeqAsync();

        await listener.WaitForAsync(markerSeq);
        Assert.Equal([new EventLogMoved(seq), new EventLogMoved(markerSeq)], listener.Seen);
    }

    [PostgresFact]
    public async Task AfterTheListenConnectionBreaks_ItReconnects_AndKeepsYielding()
    {
        await using var listener = await FeedListener.StartAsync(NodeB.ChangeFeed, _database);
        var first = Assert.Single(await ListeningBackendsAsync(_database));

        await using (var kill = _database.DataSource.CreateCommand($"SELECT pg_terminate_backend({first});"))
        {
            Assert.True((bool)(await kill.ExecuteScalarAsync())!);
        }
        await WaitUntilAsync(async () => await ListeningBackendsAsync(_database) is [var pid] && pid != first, "the listener did not reconnect");
        var after = NewApproval("apr_after");
        await NodeA.State.SaveAsync([Create(after, NewEvent(after, null))], None);
        var seq = await LastSeqAsync();

        await listener.WaitForAsync(seq);
        Assert.Equal([new EventLogMoved(seq)], listener.Seen);
    }

    // ---- helpers ----

    private static ApprovalState NewApproval(string id) => new()
    {
        Id = id,
        TenantId = "tenant-a",
        Status = ApprovalStatus.Pending,
        Title = $"Deploy {id}",
        RiskScore = 10,
        RequiredApprovalLevel = 1,
        ContextJson = "{}",
        RequestedBy = "user_req",
        Policy = ApprovalPolicy.Default,
        Decisions = [],
        ExpiresAt = T0.AddHours(1),
        CreatedAt = T0,
        UpdatedAt = T0,
        Version = 1,
    };

    private static EventRecord NewEvent(ApprovalState subject, string? prevHash) =>
        EventHasher.Seal($"evt_{Guid.NewGuid():N}", new NewEvent(EventTypes.ApprovalRequested, "user_req", new JsonObject()), subject.TenantId, subject.Id, T0, prevHash);

    private static ApprovalWrite Create(ApprovalState state, params EventRecord[] events) => new(state, 0, events, null);

    private static ApprovalWrite Update(ApprovalState state, long expectedVersion, params EventRecord[] events) => new(state, expectedVersion, events, null);

    /// <summary>The sequence number of the last event in the log (as node A reads it).</summary>
    private async Task<long> LastSeqAsync() => (await NodeA.Events.ReadAfterAsync(0, 10_000, None))[^1].Seq;

    /// <summary>The backends LISTENing on the change channel of <paramref name="database"/>'s schema, idle (so the LISTEN is in force).</summary>
    private static async Task<List<int>> ListeningBackendsAsync(PostgresDatabase database)
    {
        await using var command = database.DataSource.CreateCommand(
            """
            SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'idle' AND query ILIKE 'LISTEN %' AND strpos(query, @channel) > 0;
            """);
        command.Parameters.AddWithValue("channel", PostgresStoreDatabase.ChangeChannelOf(database.SchemaName));
        await using var reader = await command.ExecuteReaderAsync();
        var pids = new List<int>();
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }
        return pids;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        var elapsed = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(elapsed.Elapsed < Deadline, $"{failure} within {Deadline.TotalSeconds} s");
        }
    }

    /// <summary>Reads a store's change feed in the background and keeps what it yields.</summary>
    private sealed class FeedListener : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Channel<EventLogMoved> _received = Channel.CreateUnbounded<EventLogMoved>();
        private readonly Task _reading;

        private FeedListener(IChangeFeed feed) => _reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var notice in feed.ListenAsync(_stop.Token))
                {
                    _received.Writer.TryWrite(notice);
                }
                _received.Writer.TryComplete();
            }
            catch (Exception e)
            {
                _received.Writer.TryComplete(e);
            }
        });

        /// <summary>What the feed yielded so far, in order, as read by <see cref="WaitForAsync"/>.</summary>
        public List<EventLogMoved> Seen { get; } = [];

        /// <summary>Starts listening and returns once the LISTEN is in force (so no later commit can be missed).</summary>
        public static async Task<FeedListener> StartAsync(IChangeFeed feed, PostgresDatabase database)
        {
            var before = await ListeningBackendsAsync(database);
            var listener = new FeedListener(feed);
            await WaitUntilAsync(async () => (await ListeningBackendsAsync(database)).Except(before).Any(), "the feed never started listening");
            return listener;
        }

        /// <summary>Reads until the notice of the batch whose last event is <paramref name="upTo"/> was yielded, within the deadline.</summary>
        public async Task WaitForAsync(long upTo)
        {
            using var deadline = new CancellationTokenSource(Deadline);
            while (!Seen.Contains(new EventLogMoved(upTo)))
            {
                try
                {
                    Seen.Add(await _received.Reader.ReadAsync(deadline.Token));
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    Assert.Fail($"no notice up to {upTo} within {Deadline.TotalSeconds} s; heard [{string.Join(", ", Seen.Select(n => n.UpTo))}]");
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            // Cancelling ends the sequence cleanly; a failure of the feed surfaces here.
            await _reading.WaitAsync(Deadline);
            while (_received.Reader.TryRead(out _))
            {
            }
            await _received.Reader.Completion.WaitAsync(Deadline);
            _stop.Dispose();
        }
    }
}
