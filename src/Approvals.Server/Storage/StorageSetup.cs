using Approvals.Server.Configuration;

namespace Approvals.Server.Storage;

/// <summary>The storage choice's options; the backend itself is registered on the silo (<c>ClusterSetup</c>).</summary>
public static class StorageSetup
{
    public static IServiceCollection AddApprovalsStorageOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section))
            .Validate(o => o.IsSqlite || o.IsPostgres, "Approvals:Storage:Provider must be 'sqlite' or 'postgres'.")
            .Validate(o => !o.IsPostgres || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Approvals:Storage:ConnectionString is required when Approvals:Storage:Provider is 'postgres'.")
            .ValidateOnStart();
        return services;
    }
}
