using Approvals.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Approvals.Storage.PostgreSql.Reminders;

/// <summary>
/// Orleans' reminder table on PostgreSQL: the table of Orleans' ADO.NET provider (<c>OrleansRemindersTable</c>,
/// migration 0008: same columns, same ETag sequence, same signed grain hashes, so either provider reads what
/// the other wrote), written in batches. Approvals registers a reminder before every create commits and
/// removes it after every decision: one autocommit transaction each (as the stock provider does) would cost
/// a WAL flush per request beside the store's group commits. Here the writes queued meanwhile commit in one
/// transaction, each on its own (a failing one is retried alone, so it fails no neighbour).
/// </summary>
internal sealed class PostgresReminderTable : IReminderTable, IAsyncDisposable
{
    private const int MaxBatch = 256;
    private const string Columns = "GrainId, ReminderName, StartTime, Period, Version";

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _serviceId;
    private readonly WriteBatcher<NpgsqlBatchCommand, int> _writes;

    public PostgresReminderTable(NpgsqlDataSource dataSource, IOptions<ClusterOptions> clusterOptions, ILogger<PostgresReminderTable> logger)
    {
        _dataSource = dataSource;
        _serviceId = clusterOptions.Value.ServiceId;
        ArgumentException.ThrowIfNullOrWhiteSpace(_serviceId, "ClusterOptions.ServiceId");
        // One loop for the table's life (a silo singleton): it only waits while nothing is queued.
        _writes = new WriteBatcher<NpgsqlBatchCommand, int>(CommitAsync, MaxBatch, batchFailed: (error, count) =>
            logger.LogWarning(error, "A batch of {Count} reminder writes failed; writing them one by one.", count));
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Stops taking writes, lets those queued commit, and releases the table's connection pool.</summary>
    public async ValueTask DisposeAsync()
    {
        await _writes.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        ReadAsync($"SELECT {Columns} FROM OrleansRemindersTable WHERE ServiceId = @ServiceId AND GrainId = @GrainId;",
            ("GrainId", grainId.ToString()));

    /// <summary>
    /// The rows whose hash lies in the ring range (begin, end]. Hashes are stored as signed integers (as the
    /// ADO.NET provider stores them), so the bounds are compared as such: a range that wraps in signed order
    /// is read as two index ranges.
    /// </summary>
    public Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        var (from, to) = ((int)begin, (int)end);
        var sql = from < to
            ? $"SELECT {Columns} FROM OrleansRemindersTable WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash;"
            : $"""
               SELECT {Columns} FROM OrleansRemindersTable WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash
               UNION ALL
               SELECT {Columns} FROM OrleansRemindersTable WHERE ServiceId = @ServiceId AND GrainHash <= @EndHash;
               """;
        return ReadAsync(sql, ("BeginHash", from), ("EndHash", to));
    }

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) =>
        (await ReadAsync($"SELECT {Columns} FROM OrleansRemindersTable WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;",
            ("GrainId", grainId.ToString()), ("ReminderName", reminderName))).Reminders.SingleOrDefault();

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.ReminderName);
        var command = new NpgsqlBatchCommand(
            """
            INSERT INTO OrleansRemindersTable AS r (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
            VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, nextval('OrleansRemindersVersion'))
            ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
                SET StartTime = excluded.StartTime, Period = excluded.Period, GrainHash = excluded.GrainHash, Version = excluded.Version
            RETURNING r.Version;
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("ServiceId", _serviceId));
        command.Parameters.Add(new NpgsqlParameter<string>("GrainId", entry.GrainId.ToString()));
        command.Parameters.Add(new NpgsqlParameter<string>("ReminderName", entry.ReminderName));
        command.Parameters.Add(new NpgsqlParameter<DateTime>("StartTime", NpgsqlDbType.TimestampTz) { TypedValue = AsUtc(entry.StartAt) });
        command.Parameters.Add(new NpgsqlParameter<long>("Period", (long)entry.Period.TotalMilliseconds));
        command.Parameters.Add(new NpgsqlParameter<int>("GrainHash", (int)entry.GrainId.GetUniformHashCode()));
        var version = await WriteInBatchAsync(command);
        return version.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        if (!int.TryParse(eTag, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var version))
        {
            return false;
        }
        // Only the registration the caller holds: a reminder registered again since (another version) stays.
        var command = new NpgsqlBatchCommand(
            """
            WITH deleted AS (
                DELETE FROM OrleansRemindersTable
                WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName AND Version = @Version
                RETURNING 1)
            SELECT count(*)::integer FROM deleted;
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("ServiceId", _serviceId));
        command.Parameters.Add(new NpgsqlParameter<string>("GrainId", grainId.ToString()));
        command.Parameters.Add(new NpgsqlParameter<string>("ReminderName", reminderName));
        command.Parameters.Add(new NpgsqlParameter<int>("Version", version));
        return await WriteInBatchAsync(command) > 0;
    }

    public async Task TestOnlyClearTable()
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId;");
        command.Parameters.Add(new NpgsqlParameter<string>("ServiceId", _serviceId));
        await command.ExecuteNonQueryAsync();
    }

    // Orleans hands out UTC times; one of unspecified kind is taken as UTC, as the ADO.NET provider does.
    private static DateTime AsUtc(DateTime time) =>
        time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime();

    private async Task<ReminderTableData> ReadAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = _dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string>("ServiceId", _serviceId));
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, value));
        }
        var entries = new List<ReminderEntry>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0)),
                ReminderName = reader.GetString(1),
                StartAt = DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc),
                Period = TimeSpan.FromMilliseconds(reader.GetInt64(3)),
                ETag = reader.GetInt32(4).ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        }
        return new ReminderTableData(entries);
    }

    /// <summary>
    /// Queues one row write (a statement returning one integer: the new version of an upsert, the rows a
    /// removal deleted) for the next batch, and returns that integer.
    /// </summary>
    private Task<int> WriteInBatchAsync(NpgsqlBatchCommand command) => _writes.WriteAsync(command);

    /// <summary>Runs the writes in one transaction (one batch, one round trip, one WAL flush).</summary>
    private async Task<IReadOnlyList<int>> CommitAsync(IReadOnlyList<NpgsqlBatchCommand> writes)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // A command is sent once: a retry (one by one after a failed batch) sends a fresh copy.
        await using var npgsqlBatch = new NpgsqlBatch(connection, transaction);
        foreach (var write in writes)
        {
            var copy = new NpgsqlBatchCommand(write.CommandText);
            foreach (NpgsqlParameter parameter in write.Parameters)
            {
                copy.Parameters.Add(parameter.Clone());
            }
            npgsqlBatch.BatchCommands.Add(copy);
        }
        var results = new int[writes.Count];
        await using (var reader = await npgsqlBatch.ExecuteReaderAsync())
        {
            for (var i = 0; i < writes.Count; i++)
            {
                await reader.ReadAsync();
                results[i] = reader.GetInt32(0);
                await reader.NextResultAsync();
            }
        }
        await transaction.CommitAsync();
        return results;
    }

}
