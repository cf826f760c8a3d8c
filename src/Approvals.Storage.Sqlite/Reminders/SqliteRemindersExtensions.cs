using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Approvals.Storage.Sqlite.Reminders;

/// <summary>Orleans reminders kept in the embedded SQLite database of Approvals.</summary>
public static class SqliteRemindersExtensions
{
    /// <summary>
    /// Adds Orleans' reminder service to this silo with its reminders in the database file of
    /// <paramref name="connectionString"/> (e.g. <c>Data Source=./data/approvals.db</c>), normally the
    /// store's own file: the table comes from the store's migrations, which the reminder table also applies
    /// when the silo starts. Rows are scoped to <see cref="ClusterOptions.ServiceId"/>.
    /// </summary>
    public static ISiloBuilder UseApprovalsSqliteReminders(this ISiloBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        // Parsed now (throws ArgumentException): a malformed string fails at start-up, not at the first reminder.
        _ = new SqliteConnectionStringBuilder(connectionString);
        builder.AddReminders();
        builder.Services.AddSingleton<IReminderTable>(services =>
            new SqliteReminderTable(connectionString, services.GetRequiredService<IOptions<ClusterOptions>>()));
        return builder;
    }
}
