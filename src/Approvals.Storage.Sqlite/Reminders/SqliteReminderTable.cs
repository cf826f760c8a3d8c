using Approvals.Core.Storage;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Approvals.Storage.Sqlite.Reminders;

/// <summary>
/// Orleans' reminder table in the embedded database (table <c>orleans_reminders</c>, migration 0006),
/// scoped to this cluster's service id. Every write is version-checked by ETag, a fresh random value per
/// write: a handle to an earlier registration of a reminder never removes a later one. Row writes are
/// committed in batches under the file's write gate, shared with the store, so reminders and the store's
/// group commits take turns.
/// </summary>
internal sealed class SqliteReminderTable : IReminderTable, IAsyncDisposable
{
    private const string Columns = "grain_id, reminder_name, start_at, period, etag";

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeGate;
    private readonly string _serviceId;
    private readonly WriteBatcher<CommandDefinition, int> _writes;

    // The most row writes one reminder transaction carries.
    private const int MaxBatch = 256;

    public SqliteReminderTable(string connectionString, IOptions<ClusterOptions> clusterOptions)
    {
        ArgumentNullException.ThrowIfNull(clusterOptions);
        _connectionString = SqliteDatabaseFile.Prepare(connectionString);
        _writeGate = SqliteDatabaseFile.WriteGate(_connectionString);
        _serviceId = clusterOptions.Value.ServiceId;
        ArgumentException.ThrowIfNullOrWhiteSpace(_serviceId, "ClusterOptions.ServiceId");
        // One loop for the table's life (a silo singleton): it only waits while nothing is queued.
        _writes = new WriteBatcher<CommandDefinition, int>(CommitAsync, MaxBatch);
    }

    /// <summary>
    /// Brings the file's schema up to date: the silo may start its reminder service before anything else
    /// has migrated the file (applying migrations twice is harmless; each is applied once).
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken = default) =>
        WithWriterAsync(async connection =>
        {
            // WAL lets the reminder service's range reads run beside the one writer; the mode is kept in the file.
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL;");
            await SqliteMigrator.ApplyAsync(connection, cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>Stops taking writes and lets those queued commit.</summary>
    public ValueTask DisposeAsync() => _writes.DisposeAsync();

    public Task<ReminderTableData> ReadRows(GrainId grainId) => ReadRows(grainId, CancellationToken.None);

    public Task<ReminderTableData> ReadRows(GrainId grainId, CancellationToken cancellationToken) =>
        ReadAsync(
            $"SELECT {Columns} FROM orleans_reminders WHERE service_id = @serviceId AND grain_id = @grainId;",
            new { serviceId = _serviceId, grainId = grainId.ToString() }, cancellationToken);

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => ReadRows(begin, end, CancellationToken.None);

    /// <summary>
    /// The reminders whose grain hash lies in the ring range (begin, end]: when begin &lt; end that is one
    /// range, otherwise it wraps past the top (and equal bounds mean the whole ring). The two parts of a
    /// wrapped range never overlap, and each is one range of the (service_id, grain_hash) index.
    /// </summary>
    public Task<ReminderTableData> ReadRows(uint begin, uint end, CancellationToken cancellationToken)
    {
        var sql = begin < end
            ? $"SELECT {Columns} FROM orleans_reminders WHERE service_id = @serviceId AND grain_hash > @begin AND grain_hash <= @end;"
            : $"""
               SELECT {Columns} FROM orleans_reminders WHERE service_id = @serviceId AND grain_hash > @begin
               UNION ALL
               SELECT {Columns} FROM orleans_reminders WHERE service_id = @serviceId AND grain_hash <= @end;
               """;
        return ReadAsync(sql, new { serviceId = _serviceId, begin = (long)begin, end = (long)end }, cancellationToken);
    }

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => ReadRow(grainId, reminderName, CancellationToken.None);

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName, CancellationToken cancellationToken)
    {
        var rows = await ReadAsync(
            $"SELECT {Columns} FROM orleans_reminders WHERE service_id = @serviceId AND grain_id = @grainId AND reminder_name = @reminderName;",
            new { serviceId = _serviceId, grainId = grainId.ToString(), reminderName }, cancellationToken);
        return rows.Reminders.SingleOrDefault();
    }

    public Task<string?> UpsertRow(ReminderEntry entry) => UpsertRow(entry, CancellationToken.None);

    public async Task<string?> UpsertRow(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.ReminderName);
        var etag = Guid.NewGuid().ToString("N");
        await WriteInBatchAsync(new CommandDefinition(
            """
            INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_at, period, grain_hash, etag)
            VALUES (@serviceId, @grainId, @reminderName, @startAt, @period, @grainHash, @etag)
            ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
                SET start_at = excluded.start_at, period = excluded.period, grain_hash = excluded.grain_hash, etag = excluded.etag;
            """,
            new
            {
                serviceId = _serviceId,
                grainId = entry.GrainId.ToString(),
                reminderName = entry.ReminderName,
                startAt = Micros.From(AsUtc(entry.StartAt)),
                period = entry.Period.Ticks / TimeSpan.TicksPerMicrosecond,
                grainHash = (long)entry.GrainId.GetUniformHashCode(),
                etag,
            }), cancellationToken);
        return etag;
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        RemoveRow(grainId, reminderName, eTag, CancellationToken.None);

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken) =>
        await WriteInBatchAsync(new CommandDefinition(
            """
            DELETE FROM orleans_reminders
            WHERE service_id = @serviceId AND grain_id = @grainId AND reminder_name = @reminderName AND etag = @eTag;
            """,
            new { serviceId = _serviceId, grainId = grainId.ToString(), reminderName, eTag }), cancellationToken) > 0;

    public Task TestOnlyClearTable() => TestOnlyClearTable(CancellationToken.None);

    public Task TestOnlyClearTable(CancellationToken cancellationToken) =>
        WithWriterAsync(connection => connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM orleans_reminders WHERE service_id = @serviceId;", new { serviceId = _serviceId },
            cancellationToken: cancellationToken)), cancellationToken);

    // Orleans hands out UTC times; one of unspecified kind is taken as UTC, as Orleans' own ADO.NET table does.
    private static DateTimeOffset AsUtc(DateTime time) =>
        new(time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime());

    private async Task<ReminderTableData> ReadAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        // No write gate: in WAL mode readers see the last commit and never wait for the writer.
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ReminderRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        return new ReminderTableData(rows.Select(row => row.ToEntry()));
    }

    /// <summary>
    /// Queues one row write for the next batch and waits for the rows it changed. Reminder writes come one
    /// per request (registered before a create commits, removed after a decision) and SQLite has one
    /// writer: committed one by one they would queue between the store's group commits, so they are
    /// committed in batches too (see <see cref="WriteBatcher{TWrite, TResult}"/>).
    /// </summary>
    private Task<int> WriteInBatchAsync(CommandDefinition command, CancellationToken cancellationToken) =>
        _writes.WriteAsync(command, cancellationToken);

    private Task<IReadOnlyList<int>> CommitAsync(IReadOnlyList<CommandDefinition> commands) =>
        WithWriterAsync<IReadOnlyList<int>>(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync();
            var changed = new int[commands.Count];
            for (var i = 0; i < commands.Count; i++)
            {
                changed[i] = await connection.ExecuteAsync(commands[i].CommandText, commands[i].Parameters, transaction);
            }
            await transaction.CommitAsync();
            return changed;
        }, CancellationToken.None);

    private async Task<T> WithWriterAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            // busy_timeout: a writer of another process waits instead of failing. synchronous=NORMAL (the
            // store commits with FULL): a reminder is registered before the commit that needs it, and that
            // commit's fsync of the write-ahead log makes the earlier reminder durable with it; a removal lost
            // to a power cut costs one stray tick, which the grain ignores.
            await connection.ExecuteAsync("PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL;");
            return await work(connection);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private sealed record ReminderRow(string Grain_Id, string Reminder_Name, long Start_At, long Period, string ETag)
    {
        public ReminderEntry ToEntry() => new()
        {
            GrainId = GrainId.Parse(Grain_Id),
            ReminderName = Reminder_Name,
            StartAt = Micros.To(Start_At).UtcDateTime,
            Period = TimeSpan.FromTicks(Period * TimeSpan.TicksPerMicrosecond),
            ETag = ETag,
        };
    }
}
