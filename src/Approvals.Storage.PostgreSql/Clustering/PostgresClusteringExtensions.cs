using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Approvals.Storage.PostgreSql.Reminders;

namespace Approvals.Storage.PostgreSql.Clustering;

/// <summary>
/// Orleans' ADO.NET membership provider and Orleans' reminder table (written in batches by our provider)
/// on the PostgreSQL schema of Approvals: the tables and the <c>OrleansQuery</c> statements come from our
/// migrations (0007, 0008), in the schema named by the connection string's search path, beside our tables.
/// </summary>
public static class PostgresClusteringExtensions
{
    /// <summary>The ADO.NET invariant name under which Orleans finds Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Makes this silo a member of the cluster whose membership table lives in the database of
    /// <paramref name="connectionString"/>, and keeps its reminders there. By default the silo applies the
    /// schema migrations first (see <see cref="PostgresClusteringOptions.MigrateOnStart"/>).
    /// </summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="connectionString">
    /// A Npgsql connection string whose <c>SearchPath</c> names the schema of Approvals (the server's default
    /// schema when it has none).
    /// </param>
    /// <param name="configure">Adjusts <see cref="PostgresClusteringOptions"/>.</param>
    public static ISiloBuilder UseApprovalsPostgresClustering(this ISiloBuilder builder, string connectionString,
        Action<PostgresClusteringOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var orleansConnectionString = ForOrleans(connectionString);
        var options = new PostgresClusteringOptions();
        configure?.Invoke(options);

        if (options.MigrateOnStart)
        {
            builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(new PostgresSchemaMigrationOnStart(connectionString));
        }
        builder.UseAdoNetClustering((AdoNetClusteringSiloOptions clustering) =>
        {
            clustering.Invariant = Invariant;
            clustering.ConnectionString = orleansConnectionString;
        });
        return builder.UseApprovalsPostgresReminders(connectionString);
    }

    /// <summary>
    /// Keeps this silo's reminders in Orleans' reminder table in the database of <paramref name="connectionString"/>,
    /// written in batches by our provider (see <see cref="PostgresReminderTable"/>) on a connection pool of its own.
    /// </summary>
    public static ISiloBuilder UseApprovalsPostgresReminders(this ISiloBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var orleansConnectionString = ForOrleans(connectionString);
        builder.AddReminders();
        builder.Services.AddSingleton<IReminderTable>(services => new PostgresReminderTable(
            NpgsqlDataSource.Create(orleansConnectionString),
            services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>(),
            services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PostgresReminderTable>>()));
        return builder;
    }

    /// <summary>
    /// Lets an in-cluster client find the cluster's gateways in the membership table of
    /// <paramref name="connectionString"/> (the same database and schema the silos use). A client never
    /// migrates: until a silo has created the tables it has no gateway to connect to.
    /// </summary>
    public static IClientBuilder UseApprovalsPostgresClustering(this IClientBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var orleansConnectionString = ForOrleans(connectionString);
        return builder.UseAdoNetClustering((AdoNetClusteringClientOptions clustering) =>
        {
            clustering.Invariant = Invariant;
            clustering.ConnectionString = orleansConnectionString;
        });
    }

    /// <summary>
    /// Checks the connection string now, at start-up, rather than at the first membership read, and names
    /// Orleans' connections so that operators can tell them from the store's in <c>pg_stat_activity</c>.
    /// </summary>
    private static string ForOrleans(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        // Throws ArgumentException on an unknown keyword or a malformed value (without echoing the string).
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "approvals-orleans";
        }
        return builder.ConnectionString;
    }
}
