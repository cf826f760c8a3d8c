using Approvals.Server.Configuration;

namespace Approvals.Server.Storage;

/// <summary>
/// The storage choice as options (the signing key reads it). The choice itself is checked, and the backend
/// registered, where the silo is built (<c>ClusterSetup</c>), which refuses a bad provider before anything starts.
/// </summary>
public static class StorageSetup
{
    public static IServiceCollection AddApprovalsStorageOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section));
        return services;
    }
}
