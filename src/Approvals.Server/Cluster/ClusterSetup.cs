using System.Net;
using Approvals.Grains;
using Approvals.Server.Configuration;
using Approvals.Storage.PostgreSql.Hosting;
using Approvals.Storage.Sqlite.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Approvals.Server.Cluster;

/// <summary>The <c>Approvals:Cluster</c> section: where this node's silo listens and how it is told from others.</summary>
public sealed class ClusterSettings
{
    public const string Section = "Approvals:Cluster";

    /// <summary>The port silos talk to each other on.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port in-cluster clients (workflow engines) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other nodes and clients reach this one at (several nodes on one machine share 127.0.0.1).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>The cluster's name in the membership table: nodes with the same id form one cluster.</summary>
    public string ClusterId { get; set; } = "approvals";

    /// <summary>The service's name: reminders belong to it and survive a change of <see cref="ClusterId"/>.</summary>
    public string ServiceId { get; set; } = "approvals";
}

/// <summary>Makes this process a silo of the Approvals cluster on the configured backend.</summary>
public static class ClusterSetup
{
    /// <summary>
    /// The silo: the backend's stores, clustering and reminders (<c>AddApprovalsSqlite</c>: one silo;
    /// <c>AddApprovalsPostgres</c>: every node a member), the grains, this node's ports and address, and
    /// membership settings that evict a hung node in about ten seconds (<c>Approvals:Cluster:Membership</c>
    /// overrides any of Orleans' <see cref="ClusterMembershipOptions"/>).
    /// </summary>
    public static ISiloBuilder AddApprovalsSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var cluster = configuration.GetSection(ClusterSettings.Section).Get<ClusterSettings>() ?? new ClusterSettings();
        if (!IPAddress.TryParse(cluster.AdvertisedAddress, out var advertised))
        {
            throw new OptionsValidationException(ClusterSettings.Section, typeof(ClusterSettings),
                [$"{ClusterSettings.Section}:AdvertisedAddress must be an IP address, not '{cluster.AdvertisedAddress}'."]);
        }

        if (storage.IsPostgres)
        {
            if (string.IsNullOrWhiteSpace(storage.ConnectionString))
            {
                throw new OptionsValidationException(StorageOptions.Section, typeof(StorageOptions),
                    ["Approvals:Storage:ConnectionString is required when Approvals:Storage:Provider is 'postgres'."]);
            }
            silo.AddApprovalsPostgres(storage.ConnectionString);
        }
        else if (storage.IsSqlite)
        {
            silo.AddApprovalsSqlite(storage.ConnectionString ?? SqliteDefault(configuration));
        }
        else
        {
            throw new OptionsValidationException(StorageOptions.Section, typeof(StorageOptions),
                ["Approvals:Storage:Provider must be 'sqlite' or 'postgres'."]);
        }

        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        silo.Configure<EndpointOptions>(o =>
        {
            o.AdvertisedIPAddress = advertised;
            o.SiloPort = cluster.SiloPort;
            o.GatewayPort = cluster.GatewayPort;
            // Listen on every interface: the advertised address may be a container's or a load balancer's.
            o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Any, cluster.SiloPort);
            o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, cluster.GatewayPort);
        });
        silo.Services.AddOptions<ClusterMembershipOptions>()
            .Configure(o =>
            {
                // A hung node (alive to TCP, answering nothing) is declared dead after about 8–10 s instead of
                // a minute; values measured on two shared cores (ORLEANS.md). Two votes with three or more nodes.
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            })
            .Bind(configuration.GetSection(ClusterSettings.Section + ":Membership"));

        silo.AddApprovalsGrains(configuration);
        return silo;
    }

    private static string SqliteDefault(IConfiguration configuration)
    {
        var dataFolder = configuration.GetSection(ServerOptions.Section).Get<ServerOptions>()?.DataFolder ?? new ServerOptions().DataFolder;
        return $"Data Source={Path.Combine(dataFolder, "approvals.db")}";
    }
}
