using Approvals.Storage.PostgreSql.Clustering;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Approvals.Storage.PostgreSql.Tests.Clustering;

/// <summary>
/// The reminder-table contract, on a fresh schema migrated by us, run by the table a silo of Approvals
/// uses (<see cref="UseApprovalsPostgresClustering"/>: our batched provider) and, subclassed below, by
/// Orleans' own ADO.NET provider on the same table: that one passes only if our migration stores every
/// statement it asks for, binds the parameter names it sends and returns the columns it reads, so the
/// table stays the ADO.NET provider's and either one can read what the other wrote.
/// </summary>
[RequiresPostgres]
public class PostgresReminderTableContractTests : ReminderTableContractTests
{
    private readonly List<IHost> _hosts = [];
    private PostgresDatabase? _database;

    private PostgresDatabase Database => _database ?? throw new InvalidOperationException("No database yet.");

    /// <summary>The full name of the table type under test.</summary>
    protected virtual string TableType => "Approvals.Storage.PostgreSql.Reminders.PostgresReminderTable";

    protected virtual void UseReminders(ISiloBuilder silo, string connectionString) => silo.UseApprovalsPostgresClustering(connectionString);

    protected override async Task CreateDatabaseAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        await new PostgresStoreDatabase(_database.DataSource).MigrateAsync(CancellationToken.None);
    }

    protected override async Task<IReminderTable> CreateTableAsync(string serviceId)
    {
        // Built, never started: only the table is wanted, resolved as the silo would resolve it.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo =>
        {
            UseReminders(silo, Database.ConnectionString);
            silo.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = "reminder-table-tests";
                cluster.ServiceId = serviceId;
            });
        });
        var host = builder.Build();
        _hosts.Add(host);
        var table = host.Services.GetRequiredService<IReminderTable>();
        // Make sure it is the one under test, not something registered after it.
        Assert.Equal(TableType, table.GetType().FullName);
        await table.StartAsync();
        return table;
    }

    protected override async Task DisposeDatabaseAsync()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

/// <summary>The same contract run by Orleans' ADO.NET reminder provider on the table and statements of our migration.</summary>
[RequiresPostgres]
public sealed class AdoNetReminderTableContractTests : PostgresReminderTableContractTests
{
    protected override string TableType => "Orleans.Runtime.ReminderService.AdoNetReminderTable";

    protected override void UseReminders(ISiloBuilder silo, string connectionString) => silo.UseAdoNetReminderService(options =>
    {
        options.Invariant = "Npgsql";
        options.ConnectionString = connectionString;
    });
}
