namespace Approvals.Grains.Abstractions;

/// <summary>
/// Grain keys carry the tenant, so a grain can only ever load its own tenant's data: a request of
/// another tenant is simply not there (404, never 403).
/// </summary>
public static class GrainKeys
{
    private const char Separator = '/';

    /// <summary>The key of approval <paramref name="id"/> in <paramref name="tenant"/>.</summary>
    public static string Approval(string tenant, string id) => Join(tenant, id);

    /// <summary>The key of workflow <paramref name="id"/> in <paramref name="tenant"/>.</summary>
    public static string Workflow(string tenant, string id) => Join(tenant, id);

    /// <summary>
    /// Whether <paramref name="id"/> can name a request or run: not empty and without the separator (a grain key
    /// cannot carry it). Anything else is simply not there: a caller answers not_found without asking a grain.
    /// </summary>
    public static bool IsId(string? id) => !string.IsNullOrEmpty(id) && !id.Contains(Separator, StringComparison.Ordinal);

    /// <summary>Splits a key made by this class. Ids never contain the separator; tenants may.</summary>
    public static (string Tenant, string Id) Parse(string key)
    {
        var at = key.LastIndexOf(Separator);
        if (at <= 0 || at == key.Length - 1)
        {
            throw new ArgumentException($"'{key}' is not a tenant/id grain key.", nameof(key));
        }
        return (key[..at], key[(at + 1)..]);
    }

    private static string Join(string tenant, string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (id.Contains(Separator, StringComparison.Ordinal))
        {
            throw new ArgumentException("An id never contains '/'.", nameof(id));
        }
        return tenant + Separator + id;
    }
}
