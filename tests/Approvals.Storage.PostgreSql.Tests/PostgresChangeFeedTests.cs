using System.Diagnostics;
using System.Text;
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
/// The change feed between nodes: a node (its own data source, so its own connections) hears the
/// commits of another through LISTEN/NOTIFY, and hears nothing of writes that did not commit or of
/// other schemas. Absence is shown by ordering, never by waiting: PostgreSQL delivers notices in
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
    private PostgresApprovalsStore NodeA { get; set; } = null!;

    /// <summary>Node B, which listens: the same schema through a data source of its own.</summary>
    private PostgresApprovalsStore NodeB { get; set; } = null!;

    public async Task InitializeAsync()
    {
        if (PostgresEnvironment.SkipReason is not null)
        {
            return;
        }
        _database = await PostgresDatabase.CreateAsync();
        NodeA = new PostgresApprovalsStore(_database.DataSource);
        await NodeA.MigrateAsync(None);
        _nodeBDataSource = PostgresApprovalsStore.CreateDataSource(_database.ConnectionString);
        NodeB = new PostgresApprovalsStore(_nodeBDataSource);
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
    public async Task ACommittedWrite_IsHeardByAnotherNode()
    {
        await using var listener = await FeedListener.StartAsync(NodeB, _database);
        var a = NewApproval("apr_a");
        var b = NewApproval("apr_b");

        Assert.Equal([WriteOutcome.Committed, WriteOutcome.Committed], await NodeA.SaveAsync([Create(a), Create(b)], None));
        await listener.WaitForAsync("apr_b");
        await NodeA.SaveAsync([Update(a with { Title = "Renamed", Version = 2 }, 1)], None);
        await listener.WaitForAsync("apr_a", occurrences: 2);

        // One notice per batch, in commit order.
        Assert.Equal(["apr_a", "apr_b", "apr_a"], listener.Seen);
    }

    [PostgresFact]
    public async Task AConflictingWrite_SendsNothing()
    {
        var a = NewApproval("apr_a");
        await NodeA.SaveAsync([Create(a)], None);
        await using var listener = await FeedListener.StartAsync(NodeB, _database);

        // A batch with a conflict announces only its committed write; one of conflicts only, nothing.
        Assert.Equal([WriteOutcome.Committed, WriteOutcome.Conflict],
            await NodeA.SaveAsync([Create(NewApproval("apr_b")), Update(a with { Version = 2 }, 7)], None));
        Assert.Equal([WriteOutcome.Conflict, WriteOutcome.Conflict],
            await NodeA.SaveAsync([Create(a with { Title = "Duplicate" }), Update(a with { Version = 2 }, 7)], None));
        await NodeA.SaveAsync([Create(NewApproval("apr_marker"))], None);

        await listener.WaitForAsync("apr_marker");
        Assert.Equal(["apr_b", "apr_marker"], listener.Seen);
    }

    [PostgresFact]
    public async Task ACommittedWorkflowWrite_IsHeard_AndAConflictingOneIsNot()
    {
        var running = TestWorkflows.New("wf_running");
        await NodeA.SaveAsync([TestWorkflows.Create(running)], None);
        await using var listener = await FeedListener.StartAsync(NodeB, _database);

        Assert.Equal([WriteOutcome.Committed, WriteOutcome.Committed, WriteOutcome.Conflict],
            await NodeA.SaveAsync(
            [
                TestWorkflows.Create(TestWorkflows.New("wf_new")),
                Create(NewApproval("apr_new")),
                TestWorkflows.Update(running with { Version = 2 }, 7, null),
            ], None));
        await NodeA.SaveAsync([TestWorkflows.Update(running with { Status = WorkflowStatus.Completed, Version = 2 }, 1, null)], None);

        await listener.WaitForAsync("wf_running");
        // The first batch's ids come in one notice, in whatever order the backend locked its rows.
        Assert.Equal(["apr_new", "wf_new"], listener.Seen.Take(2).Order(StringComparer.Ordinal));
        Assert.Equal(["wf_running"], listener.Seen.Skip(2));
    }

    [PostgresFact]
    public async Task AWriteThatNeverCommits_SendsNothing()
    {
        var a = NewApproval("apr_a");
        var requested = NewEvent(a, null);
        await NodeA.SaveAsync([Create(a, requested)], None);
        await using var listener = await FeedListener.StartAsync(NodeB, _database);

        // The state row goes in, then the event insert fails (its id is taken) after the notice was
        // queued, and the whole transaction rolls back.
        var doomed = NewApproval("apr_doomed");
        var duplicateEvent = NewEvent(doomed, null) with { Id = requested.Id };
        var error = await Assert.ThrowsAsync<PostgresException>(() => NodeA.SaveAsync([Create(doomed, duplicateEvent)], None));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
        Assert.Null(await NodeA.LoadApprovalAsync("apr_doomed", None));
        await NodeA.SaveAsync([Create(NewApproval("apr_marker"))], None);

        await listener.WaitForAsync("apr_marker");
        Assert.Equal(["apr_marker"], listener.Seen);
    }

    [PostgresFact]
    public async Task AnotherSchemasListener_HearsNothing()
    {
        await using var other = await PostgresDatabase.CreateAsync();
        var otherStore = new PostgresApprovalsStore(other.DataSource);
        await otherStore.MigrateAsync(None);
        await using var sameSchema = await FeedListener.StartAsync(NodeB, _database);
        await using var otherSchema = await FeedListener.StartAsync(otherStore, other);

        await NodeA.SaveAsync([Create(NewApproval("apr_here"))], None);
        await sameSchema.WaitForAsync("apr_here");
        await otherStore.SaveAsync([Create(NewApproval("apr_there"))], None);

        await otherSchema.WaitForAsync("apr_there");
        Assert.Equal(["apr_there"], otherSchema.Seen);
        Assert.Equal(["apr_here"], sameSchema.Seen);
    }

    [PostgresFact]
    public async Task ABatchPastThePayloadLimit_ArrivesWhole_InSeveralNotices()
    {
        await using var listener = await FeedListener.StartAsync(NodeB, _database);
        var ids = Enumerable.Range(0, 400).Select(i => $"apr_{i:000}_{new string('x', 40)}").ToList();
        var payloads = PostgresApprovalsStore.ChangePayloads(ids);
        Assert.True(payloads.Count >= 3, $"expected several payloads, got {payloads.Count}");
        Assert.All(payloads, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= PostgresApprovalsStore.MaxChangePayloadBytes));
        Assert.Equal(ids, payloads.SelectMany(p => p.Split(',')));

        await NodeA.SaveAsync([.. ids.Select(id => Create(NewApproval(id)))], None);

        await listener.WaitForAsync(ids[^1]);
        Assert.Equal(ids, listener.Seen);
    }

    [PostgresFact]
    public async Task AfterTheListenConnectionBreaks_ItReconnects_AndKeepsYielding()
    {
        await using var listener = await FeedListener.StartAsync(NodeB, _database);
        var first = Assert.Single(await ListeningBackendsAsync(_database));

        await using (var kill = _database.DataSource.CreateCommand($"SELECT pg_terminate_backend({first});"))
        {
            Assert.True((bool)(await kill.ExecuteScalarAsync())!);
        }
        await WaitUntilAsync(async () => await ListeningBackendsAsync(_database) is [var pid] && pid != first, "the listener did not reconnect");
        await NodeA.SaveAsync([Create(NewApproval("apr_after"))], None);

        await listener.WaitForAsync("apr_after");
        Assert.Equal(["apr_after"], listener.Seen);
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

    private static ApprovalWrite Update(ApprovalState state, long expectedVersion) => new(state, expectedVersion, [], null);

    /// <summary>The backends LISTENing on the change channel of <paramref name="database"/>'s schema, idle (so the LISTEN is in force).</summary>
    private static async Task<List<int>> ListeningBackendsAsync(PostgresDatabase database)
    {
        await using var command = database.DataSource.CreateCommand(
            """
            SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'idle' AND query ILIKE 'LISTEN %' AND strpos(query, @channel) > 0;
            """);
        command.Parameters.AddWithValue("channel", PostgresApprovalsStore.ChangeChannelOf(database.SchemaName));
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
        private readonly Channel<string> _received = Channel.CreateUnbounded<string>();
        private readonly Task _reading;

        private FeedListener(IChangeFeed feed) => _reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var id in feed.ListenAsync(_stop.Token))
                {
                    _received.Writer.TryWrite(id);
                }
                _received.Writer.TryComplete();
            }
            catch (Exception e)
            {
                _received.Writer.TryComplete(e);
            }
        });

        /// <summary>What the feed yielded so far, in order, as read by <see cref="WaitForAsync"/>.</summary>
        public List<string> Seen { get; } = [];

        /// <summary>Starts listening and returns once the LISTEN is in force (so no later commit can be missed).</summary>
        public static async Task<FeedListener> StartAsync(IChangeFeed feed, PostgresDatabase database)
        {
            var before = await ListeningBackendsAsync(database);
            var listener = new FeedListener(feed);
            await WaitUntilAsync(async () => (await ListeningBackendsAsync(database)).Except(before).Any(), "the feed never started listening");
            return listener;
        }

        /// <summary>Reads until <paramref name="id"/> was yielded <paramref name="occurrences"/> times, within the deadline.</summary>
        public async Task WaitForAsync(string id, int occurrences = 1)
        {
            using var deadline = new CancellationTokenSource(Deadline);
            while (Seen.Count(s => s == id) < occurrences)
            {
                try
                {
                    Seen.Add(await _received.Reader.ReadAsync(deadline.Token));
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    Assert.Fail($"{id} was not heard within {Deadline.TotalSeconds} s; heard [{string.Join(", ", Seen)}]");
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
