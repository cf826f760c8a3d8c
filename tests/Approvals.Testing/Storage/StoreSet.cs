using Approvals.Core.Storage;
using Approvals.Storage.PostgreSql;
using Approvals.Storage.Sqlite;
using Npgsql;

namespace Approvals.Testing.Storage;

/// <summary>
/// Every store port of one database, each its own object over the backend's shared database object, as the
/// backend's silo-builder extension registers them. Tests that drive a store without a silo build one here.
/// </summary>
public sealed record StoreSet(
    IStoreDatabase Database,
    IStateStore State,
    IEventLog Events,
    IIdempotencyStore Idempotency,
    IApprovalQueries ApprovalQueries,
    IWorkflowQueries WorkflowQueries,
    ICheckpointStore Checkpoints,
    IChangeFeed ChangeFeed,
    IApiKeyStore ApiKeys,
    IAuditLog Audit,
    IWebhookStore Webhooks,
    IDueWorkStore DueWork,
    IKeyRingStore KeyRing)
{
    /// <summary>The stores of the SQLite database of <paramref name="connectionString"/> (not migrated).</summary>
    public static StoreSet Sqlite(string connectionString)
    {
        var database = new SqliteStoreDatabase(connectionString);
        return new StoreSet(database, new SqliteStateStore(database), new SqliteEventLog(database), new SqliteIdempotencyStore(database),
            new SqliteApprovalQueries(database), new SqliteWorkflowQueries(database), new SqliteCheckpointStore(database), new SqliteChangeFeed(),
            new SqliteApiKeyStore(database), new SqliteAuditLog(database), new SqliteWebhookStore(database), new SqliteDueWorkStore(database),
            new SqliteKeyRingStore(database));
    }

    /// <summary>The stores of the PostgreSQL database of <paramref name="dataSource"/>, which the caller owns (not migrated).</summary>
    public static StoreSet Postgres(NpgsqlDataSource dataSource)
    {
        var database = new PostgresStoreDatabase(dataSource);
        return new StoreSet(database, new PostgresStateStore(database), new PostgresEventLog(database), new PostgresIdempotencyStore(database),
            new PostgresApprovalQueries(database), new PostgresWorkflowQueries(database), new PostgresCheckpointStore(database), new PostgresChangeFeed(database),
            new PostgresApiKeyStore(database), new PostgresAuditLog(database), new PostgresWebhookStore(database), new PostgresDueWorkStore(database),
            new PostgresKeyRingStore(database));
    }
}
