namespace Approvals.Core.Storage;

/// <summary>
/// An API key as stored: never the key itself, only its lookup prefix and the SHA-256 of the whole key.
/// </summary>
/// <param name="Id">The key's id (<c>key_…</c>), the principal id of whoever uses it.</param>
/// <param name="TenantId">The tenant the key acts in.</param>
/// <param name="Name">A label chosen by the admin who created it.</param>
/// <param name="Prefix">The public lookup part of the key (unique across all tenants).</param>
/// <param name="Hash">SHA-256 of the whole key text.</param>
/// <param name="Scopes">The scopes the key carries.</param>
/// <param name="CreatedBy">The principal id of the admin who created it.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="RevokedAt">When it was revoked, or null while it is valid.</param>
/// <param name="LastUsedAt">When it last authenticated a request (recorded at most now and then), or null.</param>
public sealed record StoredApiKey(
    string Id,
    string TenantId,
    string Name,
    string Prefix,
    byte[] Hash,
    IReadOnlyList<string> Scopes,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt)
{
    /// <summary>True once revoked: the key authenticates nothing any more.</summary>
    public bool IsRevoked => RevokedAt is not null;
}

/// <summary>Where API keys live. Every authentication reads it, so a revocation holds on every node at once.</summary>
public interface IApiKeyStore
{
    /// <summary>
    /// Stores a new key. False, storing nothing, when its prefix is already taken (a 1-in-2^40 chance
    /// for random prefixes: the caller draws another key).
    /// </summary>
    Task<bool> CreateApiKeyAsync(StoredApiKey key, CancellationToken cancellationToken);

    /// <summary>The key with this prefix (revoked or not), or null.</summary>
    Task<StoredApiKey?> FindApiKeyByPrefixAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>The tenant's keys (revoked ones included), newest first.</summary>
    Task<IReadOnlyList<StoredApiKey>> ListApiKeysAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// Revokes the tenant's key <paramref name="id"/> at <paramref name="now"/>. False when the tenant has
    /// no such key; revoking a revoked key is true and keeps its first revocation time.
    /// </summary>
    Task<bool> RevokeApiKeyAsync(string tenantId, string id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records that the key authenticated a request at <paramref name="now"/> (never moves it back).</summary>
    Task TouchApiKeyAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);
}
