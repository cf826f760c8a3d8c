using System.Net;
using Approvals.Grains.Abstractions;
using Approvals.Storage.PostgreSql.Clustering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Serialization;

namespace Approvals.Client.Cluster;

/// <summary>Registers the in-cluster client: an Orleans client of the Approvals cluster and <see cref="ClusterApprovalsClient"/>.</summary>
public static class ApprovalsClusterClientExtensions
{
    /// <summary>
    /// Joins the cluster as an Orleans client (started with the host): through the membership table of
    /// <see cref="ApprovalsClusterClientOptions.PostgresConnectionString"/>, or the one embedded silo's
    /// <see cref="ApprovalsClusterClientOptions.Gateway"/>, with the server's ClusterId and ServiceId.
    /// </summary>
    public static IServiceCollection AddApprovalsClusterClient(this IServiceCollection services, Action<ApprovalsClusterClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ApprovalsClusterClientOptions();
        configure(options);
        var caller = options.Caller ?? throw new ArgumentException("ApprovalsClusterClientOptions.Caller is required: who the client calls as.", nameof(configure));
        var hasPostgres = !string.IsNullOrWhiteSpace(options.PostgresConnectionString);
        var hasGateway = !string.IsNullOrWhiteSpace(options.Gateway);
        if (hasPostgres == hasGateway)
        {
            throw new ArgumentException("Set exactly one of ApprovalsClusterClientOptions.PostgresConnectionString and Gateway.", nameof(configure));
        }
        services.AddOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            if (hasPostgres)
            {
                client.UseApprovalsPostgresClustering(options.PostgresConnectionString!);
            }
            else
            {
                client.UseStaticClustering(ParseGateway(options.Gateway!));
            }
            client.Services.AddSerializer(s => s.AddApprovalsContracts());
        });
        services.AddSingleton(provider => new ClusterApprovalsClient(
            provider.GetRequiredService<IClusterClient>(), caller, options.ResubscribePeriod, provider.GetService<TimeProvider>()));
        return services;
    }

    private static IPEndPoint ParseGateway(string gateway)
    {
        if (IPEndPoint.TryParse(gateway, out var endpoint) && endpoint.Port != 0)
        {
            return endpoint;
        }
        var at = gateway.LastIndexOf(':');
        if (at > 0 && int.TryParse(gateway[(at + 1)..], out var port))
        {
            var address = Dns.GetHostAddresses(gateway[..at]).First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
            return new IPEndPoint(address, port);
        }
        throw new ArgumentException($"ApprovalsClusterClientOptions.Gateway must be host:port, not '{gateway}'.", nameof(gateway));
    }
}
