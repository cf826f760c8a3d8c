using Approvals.Storage.Sqlite.Reminders;
using Approvals.Testing.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Approvals.Storage.Sqlite.Tests.Reminders;

/// <summary>
/// The reminder-table contract on SQLite: a fresh database file per test, and the table a silo gets from
/// <see cref="SqliteRemindersExtensions.UseApprovalsSqliteReminders"/>. Nothing else migrates the file:
/// the table's own start creates the schema, as on a silo's first start.
/// </summary>
public sealed class SqliteReminderTableContractTests : ReminderTableContractTests
{
    private readonly string _folder = Directory.CreateTempSubdirectory("approvals-reminders-").FullName;
    private readonly List<IHost> _hosts = [];

    private string ConnectionString => $"Data Source={Path.Combine(_folder, "approvals.db")}";

    protected override Task CreateDatabaseAsync() => Task.CompletedTask;

    protected override async Task<IReminderTable> CreateTableAsync(string serviceId)
    {
        // Built, never started: only the table is wanted, resolved as the silo would resolve it.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo => silo
            .UseApprovalsSqliteReminders(ConnectionString)
            .Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = "reminder-table-tests";
                cluster.ServiceId = serviceId;
            }));
        var host = builder.Build();
        _hosts.Add(host);
        var table = host.Services.GetRequiredService<IReminderTable>();
        await table.StartAsync();
        return table;
    }

    protected override Task DisposeDatabaseAsync()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}
