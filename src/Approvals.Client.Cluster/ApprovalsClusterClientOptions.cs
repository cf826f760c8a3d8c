using Approvals.Grains.Abstractions;
using Microsoft.Extensions.Configuration;

namespace Approvals.Client.Cluster;

/// <summary>
/// How an in-cluster client joins (the server's <c>Approvals:Cluster</c> and <c>Approvals:Storage</c> settings)
/// and who it calls as. Bound from <c>Approvals:Client</c> by <see cref="ApprovalsClusterClientExtensions"/>.
/// </summary>
public sealed class ApprovalsClusterClientOptions
{
    /// <summary>PostgreSQL: the connection string of the silos' database (gateways are found in its membership table).</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>SQLite (one embedded silo): its gateway, <c>host:port</c> (Approvals:Cluster:GatewayPort, 30000 by default).</summary>
    public string? Gateway { get; set; }

    /// <summary>The cluster's id (Approvals:Cluster:ClusterId).</summary>
    public string ClusterId { get; set; } = "approvals";

    /// <summary>The service's id (Approvals:Cluster:ServiceId).</summary>
    public string ServiceId { get; set; } = "approvals";

    /// <summary>Who calls: a person, an API key (which never decides) or the system. Required.</summary>
    public Caller? Caller { get; set; }

    /// <summary>
    /// How often a waiter subscribes its observer again. Observers are not durable (a grain forgets them when its
    /// silo stops), so this bounds how long a wait can miss a decision; each renewal also re-reads the request.
    /// </summary>
    public TimeSpan ResubscribePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Joins the cluster a server configured with <paramref name="configuration"/> runs (the same <c>Approvals__…</c>
    /// settings): PostgreSQL (<c>Approvals:Storage:Provider</c> postgres) through its membership table, else the one
    /// embedded silo's gateway at <c>Approvals:Cluster:AdvertisedAddress</c> and <c>GatewayPort</c>; ClusterId and
    /// ServiceId from <c>Approvals:Cluster</c>. The caller is the program's to set.
    /// </summary>
    public void BindServerSettings(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var cluster = configuration.GetSection("Approvals:Cluster");
        var storage = configuration.GetSection("Approvals:Storage");
        ClusterId = cluster["ClusterId"] ?? ClusterId;
        ServiceId = cluster["ServiceId"] ?? ServiceId;
        if (string.Equals(storage["Provider"], "postgres", StringComparison.OrdinalIgnoreCase))
        {
            PostgresConnectionString = storage["ConnectionString"];
            Gateway = null;
        }
        else
        {
            PostgresConnectionString = null;
            Gateway = $"{cluster["AdvertisedAddress"] ?? "127.0.0.1"}:{cluster["GatewayPort"] ?? "30000"}";
        }
    }
}
