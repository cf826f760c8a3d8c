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
/// The reminder-table contract run by Orleans' own ADO.NET reminder table, on a fresh schema migrated by
/// us: it passes only if our migration stores every statement the provider asks for, binds the parameter
/// names it sends and returns the columns it reads.
/// </summary>
[RequiresPostgres]
public sealed class PostgresReminderTableContractTests : ReminderTableContractTests
{
    private readonly List<IHost> _hosts = [];
    private PostgresDatabase? _database;

    private PostgresDatabase Database => _database ?? throw new InvalidOperationException("No database yet.");

    protected override async Task CreateDatabaseAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        await new PostgresApprovalsStore(_database.DataSource).MigrateAsync(CancellationToken.None);
    }

    protected override async Task<IReminderTable> CreateTableAsync(string serviceId)
    {
        // Built, never started: only the table is wanted, resolved as the silo would resolve it.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo => silo
            .UseApprovalsPostgresClustering(Database.ConnectionString)
            .Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = "reminder-table-tests";
                cluster.ServiceId = serviceId;
            }));
        var host = builder.Build();
        _hosts.Add(host);
        var table = host.Services.GetRequiredService<IReminderTable>();
        // Orleans' table is internal; make sure it is the one under test, not something registered after it.
        Assert.Equal("Orleans.Runtime.ReminderService.AdoNetReminderTable", table.GetType().FullName);
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
