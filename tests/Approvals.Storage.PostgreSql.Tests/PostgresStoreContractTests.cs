using System.Collections.Concurrent;
using System.Diagnostics;
using Approvals.Contracts;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using Npgsql;

namespace Approvals.Storage.PostgreSql.Tests;

/// <summary>The storage contract on PostgreSQL (one fresh schema per test), plus what only several nodes can break.</summary>
[RequiresPostgres]
public sealed class PostgresStoreContractTests : StoreContractTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private PostgresDatabase? _database;

    private PostgresDatabase Database => _database ?? throw new InvalidOperationException("No database yet.");

    protected override async Task<StoreSet> CreateStoresAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        var stores = StoreSet.Postgres(_database.DataSource);
        await stores.Database.MigrateAsync(None);
        return stores;
    }

    protected override async Task DisposeStoresAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [PostgresFact]
    public async Task Save_BatchWithANulInText_FailsWhole_AndLeavesEveryConnectionUsable() =>
        // PostgreSQL text cannot hold U+0000; the gateway refuses it, so only a bug gets one this far,
        // and then it must cost that batch alone, never a pooled connection.
        await AssertFailedBatchesLeaveStoreUsableAsync(bad =>
        [
            Create(NewApproval(bad.Id + "_twin"), [NewEvent(NewApproval(bad.Id + "_twin"), null)]),
            Create(bad with { Title = "bad\u0000title" }, [NewEvent(bad, null)]),
        ]);

    [PostgresFact]
    public async Task ReadAfter_NeverSkipsAnEventThatCommitsLateWithALowerSeq()
    {
        var a = NewApproval("apr_a");
        var b = NewApproval("apr_b");
        var aRequested = NewEvent(a, null);
        var bRequested = NewEvent(b, null);
        await SaveCommittedAsync(Create(a, [aRequested]), Create(b, [bRequested]));
        var reader = new CheckpointReader(Stores.Events);
        await reader.PollAsync();
        Assert.Equal([aRequested.Id, bRequested.Id], reader.Seen.Select(e => e.Id));

        // Node 1 is mid-commit: it has appended an event (drawing the next seq) under the event-order
        // lock, exactly as SaveAsync does, and has not committed yet.
        await using var node1 = await Database.DataSource.OpenConnectionAsync();
        await using var node1Transaction = await node1.BeginTransactionAsync();
        await using (var lockCommand = new NpgsqlCommand(PostgresStateStore.EventOrderLockSql, node1, node1Transaction))
        {
            await lockCommand.ExecuteNonQueryAsync();
        }
        var late = NewEvent(a with { Version = 2 }, aRequested.Hash, EventTypes.ApprovalExtended);
        var lateSeq = await AppendRawAsync(node1, node1Transaction, late);

        // Node 2 commits an event meanwhile.
        var b2 = b with { Title = "Renamed", Version = 2 };
        var early = NewEvent(b2, bRequested.Hash, EventTypes.ApprovalExtended);
        var node2 = Stores.State.SaveAsync([Update(b2, 1, bRequested.Hash, [early])], None);
        await WaitUntilAsync(async () => node2.IsCompleted || await SomeoneWaitsForTheEventOrderLockAsync(), "node 2 neither committed nor waited for the event-order lock");

        // The reader polls while node 1's seq is still open: it must not get past it.
        await reader.PollAsync();
        await reader.PollAsync();
        Assert.True(reader.Seen.Count == 2, $"the reader got past the open seq {lateSeq}: it saw seq {reader.Checkpoint} ({reader.Seen[^1].Id})");
        Assert.False(node2.IsCompleted, "node 2 committed while node 1 held the event-order lock");

        await node1Transaction.CommitAsync();
        Assert.Equal([WriteOutcome.Committed], await node2);
        await WaitUntilAsync(async () => (await reader.PollAsync()).Count >= 4, "the reader never saw both late events");

        Assert.Equal([aRequested.Id, bRequested.Id, late.Id, early.Id], reader.Seen.Select(e => e.Id));
        Assert.Equal(lateSeq, reader.Seen[2].Seq);
        Assert.True(reader.Seen[3].Seq > lateSeq);
    }

    [PostgresFact]
    public async Task StatusCounts_StayExact_UnderConcurrentMultiTenantBatches_WithoutDeadlocks()
    {
        string[] tenants = ["tenant-a", "tenant-b", "tenant-c"];
        const int approvals = 120;
        await SaveCommittedAsync([.. Enumerable.Range(0, approvals).Select(i => Create(NewApproval($"apr_{i:000}", tenants[i % 3])))]);
        var statuses = Enum.GetValues<ApprovalStatus>();

        // Eight nodes, each writing batches that touch several tenants in id order (so in a different
        // tenant order from batch to batch), racing each other on the same rows.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(node => Task.Run(async () =>
        {
            var random = new Random(node);
            var store = new PostgresStateStore(new PostgresStoreDatabase(Database.DataSource));
            for (var round = 0; round < 15; round++)
            {
                var writes = new List<StateWrite>();
                foreach (var id in Enumerable.Range(0, 8).Select(_ => $"apr_{random.Next(approvals):000}").Distinct())
                {
                    var current = (await store.LoadApprovalAsync(id, None))!.State;
                    var next = current with { Status = statuses[random.Next(statuses.Length)], Version = current.Version + 1 };
                    writes.Add(Update(next, current.Version, null));
                }
                var created = NewApproval($"apr_n{node}_{round}", tenants[random.Next(3)]);
                writes.Add(Create(created));
                await store.SaveAsync(writes, None);
            }
        })));

        await using var command = Database.DataSource.CreateCommand("SELECT tenant_id, status, count(*) FROM approvals GROUP BY tenant_id, status;");
        await using var reader = await command.ExecuteReaderAsync();
        var truth = new Dictionary<(string, string), long>();
        while (await reader.ReadAsync())
        {
            truth[(reader.GetString(0), reader.GetString(1))] = reader.GetInt64(2);
        }
        foreach (var tenant in tenants)
        {
            var counts = await Stores.ApprovalQueries.CountByStatusAsync(tenant, None);
            foreach (var status in statuses)
            {
                Assert.Equal(truth.GetValueOrDefault((tenant, WireNames.Of(status))), counts[status]);
                Assert.Equal(counts[status], await Stores.ApprovalQueries.CountAsync(tenant, status, None));
            }
        }
        Assert.Equal(approvals + 8 * 15, truth.Values.Sum());
    }

    [PostgresFact]
    public async Task MixedBatches_UnderConcurrentNodes_NeverDeadlock_AndLoseNoUpdate()
    {
        const int actors = 40;
        await SaveCommittedAsync([.. Enumerable.Range(0, actors).Select(i => Create(NewApproval($"apr_{i:00}")))]);
        await SaveCommittedAsync([.. Enumerable.Range(0, actors).Select(i => TestWorkflows.Create(TestWorkflows.New($"wf_{i:00}")))]);
        var committed = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);

        // Eight nodes, each writing batches of approvals and workflows in random order, each write with
        // an event and an idempotency completion, racing each other on the same rows.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(node => Task.Run(async () =>
        {
            var random = new Random(node);
            var store = new PostgresStateStore(new PostgresStoreDatabase(Database.DataSource));
            for (var round = 0; round < 15; round++)
            {
                var writes = new List<StateWrite>();
                foreach (var n in Enumerable.Range(0, 8).Select(_ => random.Next(actors)).Distinct())
                {
                    var completion = new IdempotencyCompletion("s", $"n{node}-r{round}-{n}", "h", 200, "", T0.AddHours(1));
                    if (random.Next(2) == 0)
                    {
                        var current = (await store.LoadApprovalAsync($"apr_{n:00}", None))!.State;
                        var next = current with { Version = current.Version + 1 };
                        writes.Add(Update(next, current.Version, null, [NewEvent(next, null, EventTypes.ApprovalExtended)])
                            with { Idempotency = completion });
                    }
                    else
                    {
                        var current = (await store.LoadWorkflowAsync($"wf_{n:00}", None))!.State;
                        var next = current with { Version = current.Version + 1 };
                        writes.Add(TestWorkflows.Update(next, current.Version, null, [TestWorkflows.Event(next, null, WorkflowEventTypes.Resumed)])
                            with { Idempotency = completion });
                    }
                }
                var shuffled = writes.OrderBy(_ => random.Next()).ToList();
                var outcomes = await store.SaveAsync(shuffled, None);
                foreach (var (write, outcome) in shuffled.Zip(outcomes).Where(w => w.Second == WriteOutcome.Committed))
                {
                    committed.AddOrUpdate(write.Key.Id, 1, (_, count) => count + 1);
                }
            }
        })));

        Assert.NotEmpty(committed);
        for (var i = 0; i < actors; i++)
        {
            var approval = (await Stores.State.LoadApprovalAsync($"apr_{i:00}", None))!.State;
            var workflow = (await Stores.State.LoadWorkflowAsync($"wf_{i:00}", None))!.State;
            Assert.Equal(1 + committed.GetValueOrDefault(approval.Id), approval.Version);
            Assert.Equal(1 + committed.GetValueOrDefault(workflow.Id), workflow.Version);
            Assert.Equal(committed.GetValueOrDefault(approval.Id), (await Stores.Events.ReadSubjectAsync(approval.Id, None)).Count);
            Assert.Equal(committed.GetValueOrDefault(workflow.Id), (await Stores.Events.ReadSubjectAsync(workflow.Id, None)).Count);
        }
    }

    [PostgresFact]
    public async Task Migrate_CountsApprovalsWrittenBeforeTheCountersExisted()
    {
        await using var fresh = await PostgresDatabase.CreateAsync();
        // A database written by the first version: only migration 0001, with two approvals in it.
        await using (var connection = await fresh.DataSource.OpenConnectionAsync())
        {
            await PostgresMigrator.ApplyAsync(connection, None, upToVersion: 1);
        }
        foreach (var state in new[] { NewApproval("apr_1"), NewApproval("apr_2") with { Status = ApprovalStatus.Approved } })
        {
            await using var insert = fresh.DataSource.CreateCommand(
                """
                INSERT INTO approvals (id, tenant_id, status, risk_level, requested_by, created_at, updated_at, expires_at, version, state)
                VALUES ($1, $2, $3, 'low', $4, $5, $5, $6, 1, $7::jsonb);
                """);
            insert.Parameters.Add(new NpgsqlParameter { Value = state.Id });
            insert.Parameters.Add(new NpgsqlParameter { Value = state.TenantId });
            insert.Parameters.Add(new NpgsqlParameter { Value = WireNames.Of(state.Status) });
            insert.Parameters.Add(new NpgsqlParameter { Value = state.RequestedBy });
            insert.Parameters.Add(new NpgsqlParameter { Value = state.CreatedAt });
            insert.Parameters.Add(new NpgsqlParameter { Value = state.ExpiresAt });
            insert.Parameters.Add(new NpgsqlParameter { Value = ApprovalStateJson.Serialize(state) });
            await insert.ExecuteNonQueryAsync();
        }

        var stores = StoreSet.Postgres(fresh.DataSource);
        await stores.Database.MigrateAsync(None);

        Assert.Equal(1, await stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Pending, None));
        Assert.Equal(1, await stores.ApprovalQueries.CountAsync("tenant-a", ApprovalStatus.Approved, None));
        // The later migrations ran too.
        Assert.Equal([WriteOutcome.Committed], await stores.State.SaveAsync([TestWorkflows.Create(TestWorkflows.New("wf_1"))], None));
        await stores.Checkpoints.SaveCheckpointAsync("webhooks", 3, None);
        Assert.Equal(3, await stores.Checkpoints.ReadCheckpointAsync("webhooks", None));
    }

    [PostgresFact]
    public async Task Migrate_FromSeveralNodesAtOnce_AppliesEachMigrationOnce()
    {
        await using var fresh = await PostgresDatabase.CreateAsync();
        var nodes = Enumerable.Range(0, 5).Select(_ => StoreSet.Postgres(fresh.DataSource)).ToList();

        await Task.WhenAll(nodes.Select(node => Task.Run(() => node.Database.MigrateAsync(None))));

        await using var command = fresh.DataSource.CreateCommand("SELECT count(*), count(DISTINCT version), min(version) FROM schema_migrations;");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.True(reader.GetInt64(0) >= 2);
        Assert.Equal(reader.GetInt64(0), reader.GetInt64(1));
        Assert.Equal(1, reader.GetInt64(2));
        await reader.DisposeAsync();
        Assert.True(await nodes[0].Database.IsReachableAsync(None));
        Assert.Equal(WriteOutcome.Committed, Assert.Single(await nodes[1].State.SaveAsync([Create(NewApproval("apr_1"))], None)));
    }

    [PostgresFact]
    public async Task Migrate_IntoAMissingSchema_SaysSo()
    {
        var builder = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { SearchPath = "approvals_no_such_schema" };
        await using var dataSource = PostgresStoreDatabase.CreateDataSource(builder.ConnectionString);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new PostgresStoreDatabase(dataSource).MigrateAsync(None));

        Assert.Contains("approvals_no_such_schema", error.Message, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task IsReachable_WhenNoServerAnswers_IsFalse()
    {
        // Port 1 on loopback: refused at once, nothing to wait for.
        await using var unreachable = PostgresStoreDatabase.CreateDataSource("Host=127.0.0.1;Port=1;Username=nobody;Password=x;Timeout=5");

        Assert.False(await new PostgresStoreDatabase(unreachable).IsReachableAsync(None));
    }

    private static async Task<long> AppendRawAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EventRecord e)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO events (id, type, tenant_id, subject_id, actor, at, data, prev_hash, hash)
            VALUES (@id, @type, @tenant, @subject, @actor, @at, @data, @prev, @hash) RETURNING seq;
            """, connection, transaction);
        command.Parameters.AddWithValue("id", e.Id);
        command.Parameters.AddWithValue("type", e.Type);
        command.Parameters.AddWithValue("tenant", e.TenantId);
        command.Parameters.AddWithValue("subject", e.SubjectId);
        command.Parameters.AddWithValue("actor", e.Actor);
        command.Parameters.AddWithValue("at", e.At);
        command.Parameters.AddWithValue("data", e.DataJson);
        command.Parameters.AddWithValue("prev", (object?)e.PrevHash ?? DBNull.Value);
        command.Parameters.AddWithValue("hash", e.Hash);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<bool> SomeoneWaitsForTheEventOrderLockAsync()
    {
        // The event-order lock is pg_advisory_xact_lock(<class>, <schema hash>): pg_locks shows the
        // class as classid and the schema hash as objid.
        await using var command = Database.DataSource.CreateCommand(
            $"""
            SELECT EXISTS (
                SELECT 1 FROM pg_locks
                WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND classid = {LockKeys.EventOrder}::oid AND objid = ({LockKeys.Schema})::oid);
            """);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        var elapsed = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(elapsed.Elapsed < Deadline, $"{failure} within {Deadline.TotalSeconds} s");
        }
    }

    /// <summary>A log consumer as the dispatchers are: it keeps the last seq it saw and asks for more.</summary>
    private sealed class CheckpointReader(IEventLog log)
    {
        public List<EventRecord> Seen { get; } = [];

        public long Checkpoint { get; private set; }

        public async Task<IReadOnlyList<EventRecord>> PollAsync()
        {
            var batch = await log.ReadAfterAsync(Checkpoint, 100, None);
            Seen.AddRange(batch);
            if (batch.Count > 0)
            {
                Checkpoint = batch[^1].Seq;
            }
            return Seen;
        }
    }
}
