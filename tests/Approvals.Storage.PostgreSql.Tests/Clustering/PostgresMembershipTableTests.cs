using System.Net;
using Approvals.Storage.PostgreSql.Clustering;
using Approvals.Testing.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Messaging;
using Orleans.Runtime;

namespace Approvals.Storage.PostgreSql.Tests.Clustering;

/// <summary>
/// Orleans' ADO.NET membership table and gateway list on a schema migrated by us, driven as a silo and a
/// client drive them (after Orleans' MembershipTableTestsBase): each of the clustering statements our
/// migration stores, with its optimistic-concurrency rule.
/// </summary>
public sealed class PostgresMembershipTableTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTime T0 = new(2026, 1, 1, 9, 0, 0, DateTimeKind.Utc);
    private static int _lastPort = 20_000;

    private readonly string _clusterId = $"cluster-{Guid.NewGuid():N}";
    private readonly List<IHost> _hosts = [];
    private PostgresDatabase? _database;
    private IMembershipTable? _table;

    private PostgresDatabase Database => _database ?? throw new InvalidOperationException("No database yet.");

    private IMembershipTable Table => _table ?? throw new InvalidOperationException("No table yet.");

    public async Task InitializeAsync()
    {
        if (PostgresEnvironment.SkipReason is not null)
        {
            return;
        }
        _database = await PostgresDatabase.CreateAsync();
        await new PostgresStoreDatabase(_database.DataSource).MigrateAsync(None);
        _table = await CreateTableAsync(_clusterId);
    }

    public async Task DisposeAsync()
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

    [PostgresFact]
    public async Task ReadAll_OfANewCluster_IsEmpty_AtVersionZero()
    {
        var data = await Table.ReadAllAsync(None);

        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
    }

    [PostgresFact]
    public async Task InsertRow_AtTheNextVersion_AddsTheSilo_AndMovesTheVersion()
    {
        var entry = NewEntry(SiloStatus.Joining);

        Assert.True(await Table.InsertRowAsync(entry, (await Table.ReadAllAsync(None)).Version.Next(), None));

        var all = await Table.ReadAllAsync(None);
        Assert.Equal(1, all.Version.Version);
        AssertSameEntry(entry, Assert.Single(all.Members).Item1);
        var row = await Table.ReadRowAsync(entry.SiloAddress, None);
        Assert.Equal(1, row.Version.Version);
        AssertSameEntry(entry, Assert.Single(row.Members).Item1);
    }

    [PostgresFact]
    public async Task ReadRow_OfAnUnknownSilo_HasTheTableVersion_AndNoMember()
    {
        await Table.InsertRowAsync(NewEntry(SiloStatus.Active), (await Table.ReadAllAsync(None)).Version.Next(), None);

        var row = await Table.ReadRowAsync(NewEntry(SiloStatus.Active).SiloAddress, None);

        Assert.Empty(row.Members);
        Assert.Equal(1, row.Version.Version);
    }

    [PostgresFact]
    public async Task InsertRow_AtAStaleVersion_IsRefused_AndChangesNothing()
    {
        var stale = (await Table.ReadAllAsync(None)).Version;
        var first = NewEntry(SiloStatus.Joining);
        Assert.True(await Table.InsertRowAsync(first, stale.Next(), None));

        Assert.False(await Table.InsertRowAsync(NewEntry(SiloStatus.Joining), stale.Next(), None));

        var all = await Table.ReadAllAsync(None);
        Assert.Equal(1, all.Version.Version);
        Assert.Equal(first.SiloAddress, Assert.Single(all.Members).Item1.SiloAddress);
    }

    [PostgresFact]
    public async Task InsertRow_OfASiloAlreadyThere_IsRefused_AndKeepsTheVersion()
    {
        var entry = NewEntry(SiloStatus.Joining);
        Assert.True(await Table.InsertRowAsync(entry, (await Table.ReadAllAsync(None)).Version.Next(), None));

        // Even at the current version: a refused insert must not move the version (every other silo's
        // next write would then fail for nothing).
        Assert.False(await Table.InsertRowAsync(entry, (await Table.ReadAllAsync(None)).Version.Next(), None));

        var all = await Table.ReadAllAsync(None);
        Assert.Equal(1, all.Version.Version);
        Assert.Single(all.Members);
    }

    [PostgresFact]
    public async Task InsertRow_FromManySilosAtOneVersion_LetsExactlyOneIn()
    {
        var version = (await Table.ReadAllAsync(None)).Version;
        var entries = Enumerable.Range(0, 8).Select(_ => NewEntry(SiloStatus.Joining)).ToList();

        var outcomes = await Task.WhenAll(entries.Select(e => Task.Run(() => Table.InsertRowAsync(e, version.Next(), None))));

        Assert.Single(outcomes, inserted => inserted);
        var all = await Table.ReadAllAsync(None);
        Assert.Equal(1, all.Version.Version);
        Assert.Equal(entries[Array.IndexOf(outcomes, true)].SiloAddress, Assert.Single(all.Members).Item1.SiloAddress);
    }

    [PostgresFact]
    public async Task UpdateRow_AtTheCurrentVersion_ChangesStatusSuspectsAndHeartbeat_AndMovesTheVersion()
    {
        var entry = NewEntry(SiloStatus.Joining);
        await Table.InsertRowAsync(entry, (await Table.ReadAllAsync(None)).Version.Next(), None);
        var read = await Table.ReadRowAsync(entry.SiloAddress, None);
        var etag = Assert.Single(read.Members).Item2;
        entry.Status = SiloStatus.Active;
        entry.IAmAliveTime = T0.AddMinutes(1);
        entry.SuspectTimes = [Tuple.Create(NewEntry(SiloStatus.Active).SiloAddress, T0.AddSeconds(30))];

        Assert.True(await Table.UpdateRowAsync(entry, etag, read.Version.Next(), None));

        var after = await Table.ReadAllAsync(None);
        Assert.Equal(2, after.Version.Version);
        AssertSameEntry(entry, Assert.Single(after.Members).Item1);
    }

    [PostgresFact]
    public async Task UpdateRow_AtAStaleVersion_IsRefused_AndChangesNothing()
    {
        var entry = NewEntry(SiloStatus.Joining);
        var stale = (await Table.ReadAllAsync(None)).Version.Next();
        await Table.InsertRowAsync(entry, stale, None);
        var etag = Assert.Single((await Table.ReadAllAsync(None)).Members).Item2;
        entry.Status = SiloStatus.Dead;

        // stale.Next() is version 2 over version 1: the caller has not seen its own insert.
        Assert.False(await Table.UpdateRowAsync(entry, etag, stale, None));

        var after = await Table.ReadAllAsync(None);
        Assert.Equal(1, after.Version.Version);
        Assert.Equal(SiloStatus.Joining, Assert.Single(after.Members).Item1.Status);
    }

    [PostgresFact]
    public async Task UpdateRow_OfAnUnknownSilo_IsRefused_AndKeepsTheVersion()
    {
        var data = await Table.ReadAllAsync(None);

        Assert.False(await Table.UpdateRowAsync(NewEntry(SiloStatus.Active), "", data.Version.Next(), None));

        Assert.Equal(0, (await Table.ReadAllAsync(None)).Version.Version);
    }

    [PostgresFact]
    public async Task UpdateIAmAlive_ChangesOnlyTheHeartbeat()
    {
        var entry = NewEntry(SiloStatus.Active);
        await Table.InsertRowAsync(entry, (await Table.ReadAllAsync(None)).Version.Next(), None);
        var heartbeat = NewEntry(SiloStatus.Dead);
        heartbeat.SiloAddress = entry.SiloAddress;
        heartbeat.IAmAliveTime = T0.AddHours(2);

        await Table.UpdateIAmAliveAsync(heartbeat, None);

        var after = await Table.ReadAllAsync(None);
        Assert.Equal(1, after.Version.Version);
        var stored = Assert.Single(after.Members).Item1;
        Assert.Equal(T0.AddHours(2), stored.IAmAliveTime);
        Assert.Equal(SiloStatus.Active, stored.Status);
    }

    [PostgresFact]
    public async Task Gateways_AreTheActiveSilosThatRunOne()
    {
        var gateway = NewEntry(SiloStatus.Active, proxyPort: 30_001);
        var noGateway = NewEntry(SiloStatus.Active, proxyPort: 0);
        var joining = NewEntry(SiloStatus.Joining, proxyPort: 30_002);
        foreach (var entry in new[] { gateway, noGateway, joining })
        {
            Assert.True(await Table.InsertRowAsync(entry, (await Table.ReadAllAsync(None)).Version.Next(), None));
        }
        var provider = await CreateGatewayListProviderAsync();

        var gateways = await provider.GetGatewaysAsync(None);

        Assert.Equal([SiloAddress.New(IPAddress.Loopback, 30_001, gateway.SiloAddress.Generation).ToGatewayUri()], gateways);
    }

    [PostgresFact]
    public async Task CleanupDefunctSiloEntries_RemovesOnlyInactiveSilosSilentSinceTheDate()
    {
        var deadLongAgo = NewEntry(SiloStatus.Dead, aliveAt: T0);
        var deadRecently = NewEntry(SiloStatus.Dead, aliveAt: T0.AddHours(2));
        var activeLongAgo = NewEntry(SiloStatus.Active, aliveAt: T0);
        foreach (var entry in new[] { deadLongAgo, deadRecently, activeLongAgo })
        {
            Assert.True(await Table.InsertRowAsync(entry, (await Table.ReadAllAsync(None)).Version.Next(), None));
        }

        await Table.CleanupDefunctSiloEntriesAsync(new DateTimeOffset(T0.AddHours(1)), None);

        var left = (await Table.ReadAllAsync(None)).Members.Select(m => m.Item1.SiloAddress).ToHashSet();
        Assert.Equal(new HashSet<SiloAddress> { deadRecently.SiloAddress, activeLongAgo.SiloAddress }, left);
    }

    [PostgresFact]
    public async Task DeleteMembershipTableEntries_RemovesThatClusterOnly()
    {
        var otherClusterId = $"cluster-{Guid.NewGuid():N}";
        var other = await CreateTableAsync(otherClusterId);
        await Table.InsertRowAsync(NewEntry(SiloStatus.Active), (await Table.ReadAllAsync(None)).Version.Next(), None);
        await other.InsertRowAsync(NewEntry(SiloStatus.Active), (await other.ReadAllAsync(None)).Version.Next(), None);

        await Table.DeleteMembershipTableEntriesAsync(_clusterId, None);

        Assert.Equal(0, await CountRowsAsync("OrleansMembershipTable", _clusterId));
        Assert.Equal(0, await CountRowsAsync("OrleansMembershipVersionTable", _clusterId));
        Assert.Single((await other.ReadAllAsync(None)).Members);
    }

    private async Task<IMembershipTable> CreateTableAsync(string clusterId)
    {
        // Built, never started: the table a silo would get from UseApprovalsPostgresClustering.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo => silo
            .UseApprovalsPostgresClustering(Database.ConnectionString)
            .Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = clusterId;
                cluster.ServiceId = "membership-tests";
            }));
        var host = builder.Build();
        _hosts.Add(host);
        var table = host.Services.GetRequiredService<IMembershipTable>();
        Assert.Equal("Orleans.Runtime.MembershipService.AdoNetClusteringTable", table.GetType().FullName);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true, None);
        return table;
    }

    private async Task<IGatewayListProvider> CreateGatewayListProviderAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseApprovalsPostgresClustering(Database.ConnectionString)
            .Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = _clusterId;
                cluster.ServiceId = "membership-tests";
            }));
        var host = builder.Build();
        _hosts.Add(host);
        var provider = host.Services.GetRequiredService<IGatewayListProvider>();
        await provider.InitializeGatewayListProviderAsync(None);
        return provider;
    }

    private async Task<long> CountRowsAsync(string table, string clusterId)
    {
        await using var command = Database.DataSource.CreateCommand($"SELECT count(*) FROM {table} WHERE DeploymentId = $1;");
        command.Parameters.Add(new NpgsqlParameter { Value = clusterId });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static MembershipEntry NewEntry(SiloStatus status, int proxyPort = 30_000, DateTime? aliveAt = null)
    {
        var port = Interlocked.Increment(ref _lastPort);
        return new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, port, 7),
            SiloName = $"silo-{port}",
            HostName = "host-ä",
            Status = status,
            ProxyPort = proxyPort,
            StartTime = T0,
            IAmAliveTime = aliveAt ?? T0.AddSeconds(1),
        };
    }

    private static void AssertSameEntry(MembershipEntry expected, MembershipEntry actual)
    {
        Assert.Equal(expected.SiloAddress, actual.SiloAddress);
        Assert.Equal(expected.SiloName, actual.SiloName);
        Assert.Equal(expected.HostName, actual.HostName);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.ProxyPort, actual.ProxyPort);
        Assert.Equal(expected.StartTime, actual.StartTime);
        Assert.Equal(expected.IAmAliveTime, actual.IAmAliveTime);
        Assert.Equal(
            expected.SuspectTimes?.Select(s => (s.Item1, s.Item2)) ?? [],
            actual.SuspectTimes?.Select(s => (s.Item1, s.Item2)) ?? []);
    }
}
