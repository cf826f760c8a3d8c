namespace Approvals.Storage.PostgreSql.Clustering;

/// <summary>How a silo uses PostgreSQL for Orleans' membership and reminders.</summary>
public sealed class PostgresClusteringOptions
{
    /// <summary>
    /// Whether the silo brings the schema up to date (our tables and Orleans') before its membership and
    /// reminder tables are first used. On by default: Orleans reads its statements from the schema at start,
    /// so a silo must never start ahead of its migrations. Turn it off where the application's role may
    /// not change the schema and migrations are applied by a separate step.
    /// </summary>
    public bool MigrateOnStart { get; set; } = true;
}
