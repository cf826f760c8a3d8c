using Approvals.Storage.PostgreSql.Clustering;
using Approvals.Testing;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans;
using Approvals.Grains.Abstractions;
using Orleans.Hosting;
using Orleans.Serialization;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Approvals.Storage.PostgreSql.Tests.Clustering;

/// <summary>
/// Two silos and a client that find each other only through the membership table of a fresh schema that
/// the silos migrate themselves, and keep their reminders in the same schema.
/// </summary>
/// <remarks>
/// <c>TestClusterBuilder</c>, not <c>InProcessTestClusterBuilder</c>: the latter always registers its
/// in-memory membership table after the test's configuration (its switch is internal), which would
/// shadow ours. <c>TestClusterOptions.UseTestClusterMembership = false</c> is how Orleans' own liveness
/// tests run on a real membership table.
/// </remarks>
public sealed class PostgresClusterTests(PostgresClusterTests.Fixture cluster) : IClassFixture<PostgresClusterTests.Fixture>
{
    // A first tick that is already past when the reminder is registered is skipped, and the next comes a
    // period (1 min) later: the deadline covers that too, so a slow machine cannot fail the test.
    private static readonly TimeSpan TickDeadline = TimeSpan.FromSeconds(100);
    private static readonly TimeSpan ConvergenceDeadline = TimeSpan.FromSeconds(60);

    [PostgresFact]
    public async Task BothSilos_AreActiveMembers_OfOurMembershipTable()
    {
        var members = await cluster.QueryAsync(
            "SELECT Address, Port, Generation, Status FROM OrleansMembershipTable WHERE DeploymentId = $1 ORDER BY Port;",
            reader => (Address: reader.GetString(0), Port: reader.GetInt32(1), Generation: reader.GetInt32(2), Status: (SiloStatus)reader.GetInt32(3)),
            cluster.Cluster.Options.ClusterId);

        var silos = cluster.Cluster.Silos.Select(s => s.SiloAddress).OrderBy(s => s.Endpoint.Port).ToList();
        Assert.Equal(2, silos.Count);
        Assert.Equal(
            silos.Select(s => (s.Endpoint.Address.ToString(), s.Endpoint.Port, s.Generation, SiloStatus.Active)),
            members);
    }

    [PostgresFact]
    public async Task EverySilo_SeesBothSilosActive_AndTheClientReachesThemThroughTheTablesGateways()
    {
        // The client was handed no gateway: it found them in the table (GatewaysQueryKey).
        var management = cluster.Cluster.Client.GetGrain<IManagementGrain>(0);

        await Eventually.TrueAsync(
            async () => (await management.GetHosts(onlyActive: true)).Count == 2,
            ConvergenceDeadline, "the cluster never showed two active silos");
    }

    [PostgresFact]
    public async Task TheSilos_MigratedTheFreshSchema_IncludingOrleansTables()
    {
        var versions = await cluster.QueryAsync("SELECT version FROM schema_migrations ORDER BY version;", reader => reader.GetInt64(0));

        Assert.Contains(7L, versions);
        Assert.Contains(8L, versions);
        Assert.Equal(versions.Distinct(), versions);
    }

    [PostgresFact]
    public async Task AReminder_IsStoredInOurTable_Fires_AndIsRemoved()
    {
        var grain = cluster.Cluster.Client.GetGrain<IReminderProbeGrain>($"tenant-a/apr_{Guid.NewGuid():N}");
        var grainId = grain.GetGrainId();

        await grain.RegisterAsync("expiry", dueTime: TimeSpan.FromSeconds(2), period: TimeSpan.FromMinutes(1));

        var rows = await ReadReminderRowsAsync(grainId);
        Assert.Equal([(cluster.Cluster.Options.ServiceId, "expiry", unchecked((int)grainId.GetUniformHashCode()))], rows);
        await Eventually.TrueAsync(async () => await grain.CountTicksAsync("expiry") > 0, TickDeadline, "the reminder never ticked");

        Assert.True(await grain.UnregisterAsync("expiry"));
        Assert.Empty(await ReadReminderRowsAsync(grainId));
    }

    private Task<List<(string ServiceId, string ReminderName, int GrainHash)>> ReadReminderRowsAsync(GrainId grainId) =>
        cluster.QueryAsync(
            "SELECT ServiceId, ReminderName, GrainHash FROM OrleansRemindersTable WHERE GrainId = $1;",
            reader => (reader.GetString(0), reader.GetString(1), reader.GetInt32(2)),
            grainId.ToString());

    /// <summary>A fresh, unmigrated schema and a two-silo cluster on it, shared by the tests of the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private const string ConnectionStringKey = "ApprovalsTests:PostgresConnectionString";

        private PostgresDatabase? _database;
        private TestCluster? _cluster;

        public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("No cluster yet.");

        public async Task InitializeAsync()
        {
            // Class fixtures are built even when every test of the class skips.
            if (PostgresEnvironment.SkipReason is not null)
            {
                return;
            }
            _database = await PostgresDatabase.CreateAsync();
            var builder = new TestClusterBuilder(2);
            builder.Options.UseTestClusterMembership = false;
            builder.Options.ConfigureFileLogging = false;
            builder.Properties[ConnectionStringKey] = _database.ConnectionString;
            builder.AddSiloBuilderConfigurator<Configurator>();
            builder.AddClientBuilderConfigurator<Configurator>();
            _cluster = builder.Build();
            await _cluster.DeployAsync();
        }

        public async Task DisposeAsync()
        {
            if (_cluster is not null)
            {
                await _cluster.StopAllSilosAsync();
                await _cluster.DisposeAsync();
            }
            if (_database is not null)
            {
                await _database.DisposeAsync();
            }
        }

        public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, params object[] parameters)
        {
            var database = _database ?? throw new InvalidOperationException("No database yet.");
            await using var command = database.DataSource.CreateCommand(sql);
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = parameter });
            }
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<T>();
            while (await reader.ReadAsync())
            {
                rows.Add(read(reader));
            }
            return rows;
        }

        /// <summary>Created by the test cluster by type, so it reads the connection string from configuration.</summary>
        public sealed class Configurator : ISiloConfigurator, IClientBuilderConfigurator
        {
            // The grain interfaces of Approvals are in this process (through the test support), so their
            // messages' codecs are registered as every silo and client of Approvals registers them.
            public void Configure(ISiloBuilder siloBuilder) =>
                siloBuilder.UseApprovalsPostgresClustering(Required(siloBuilder.Configuration))
                    .Services.AddSerializer(serializer => serializer.AddApprovalsContracts());

            public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
                clientBuilder.UseApprovalsPostgresClustering(Required(configuration))
                    .Services.AddSerializer(serializer => serializer.AddApprovalsContracts());

            private static string Required(IConfiguration configuration) =>
                configuration[ConnectionStringKey] ?? throw new InvalidOperationException($"{ConnectionStringKey} is not configured.");
        }
    }
}
