using System.Security.Cryptography;
using Approvals.Core.Storage;

namespace Approvals.Testing.Storage;

/// <summary>API keys: stored by hash with a unique lookup prefix, listed per tenant, revoked per tenant.</summary>
public abstract partial class StoreContractTests
{
    private IApiKeyStore Keys => Stores.ApiKeys;

    private static StoredApiKey NewKey(string id, string prefix, string tenantId = "tenant-a", DateTimeOffset? createdAt = null, params string[] scopes) =>
        new(id, tenantId, $"Key {id}", prefix, SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"ak_{prefix}_{id}")),
            scopes.Length == 0 ? ["approvals:read", "approvals:create"] : scopes, "user_admin", createdAt ?? T0, null, null);

    private static void AssertSameKey(StoredApiKey expected, StoredApiKey? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.TenantId, actual.TenantId);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Prefix, actual.Prefix);
        Assert.Equal(expected.Hash, actual.Hash);
        Assert.Equal(expected.Scopes, actual.Scopes);
        Assert.Equal(expected.CreatedBy, actual.CreatedBy);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.RevokedAt, actual.RevokedAt);
        Assert.Equal(expected.LastUsedAt, actual.LastUsedAt);
    }

    [StoreFact]
    public async Task CreateApiKey_ThenFindByPrefix_ReturnsItExactly()
    {
        var key = NewKey("key_1", "abcd1234", scopes: ["workflows:read", "admin"]);

        Assert.True(await Keys.CreateApiKeyAsync(key, CancellationToken.None));

        AssertSameKey(key, await Keys.FindApiKeyByPrefixAsync("abcd1234", CancellationToken.None));
    }

    [StoreFact]
    public async Task FindApiKeyByPrefix_Unknown_ReturnsNull()
    {
        await Keys.CreateApiKeyAsync(NewKey("key_1", "abcd1234"), CancellationToken.None);

        Assert.Null(await Keys.FindApiKeyByPrefixAsync("abcd1235", CancellationToken.None));
    }

    [StoreFact]
    public async Task CreateApiKey_PrefixTaken_ReturnsFalseAndKeepsTheFirst()
    {
        var first = NewKey("key_1", "samepref", tenantId: "tenant-a");
        Assert.True(await Keys.CreateApiKeyAsync(first, CancellationToken.None));

        // Prefixes are unique across tenants: authentication finds a key by prefix alone.
        Assert.False(await Keys.CreateApiKeyAsync(NewKey("key_2", "samepref", tenantId: "tenant-b"), CancellationToken.None));

        AssertSameKey(first, await Keys.FindApiKeyByPrefixAsync("samepref", CancellationToken.None));
        Assert.Empty(await Keys.ListApiKeysAsync("tenant-b", CancellationToken.None));
    }

    [StoreFact]
    public async Task ListApiKeys_OnlyTheTenants_NewestFirst()
    {
        var older = NewKey("key_1", "pref0001", createdAt: T0);
        var newer = NewKey("key_2", "pref0002", createdAt: T0.AddMinutes(1));
        var elsewhere = NewKey("key_3", "pref0003", tenantId: "tenant-b", createdAt: T0.AddMinutes(2));
        foreach (var key in new[] { older, newer, elsewhere })
        {
            Assert.True(await Keys.CreateApiKeyAsync(key, CancellationToken.None));
        }

        var listed = await Keys.ListApiKeysAsync("tenant-a", CancellationToken.None);

        Assert.Equal(["key_2", "key_1"], listed.Select(k => k.Id));
        AssertSameKey(newer, listed[0]);
        Assert.Empty(await Keys.ListApiKeysAsync("tenant-c", CancellationToken.None));
    }

    [StoreFact]
    public async Task RevokeApiKey_MarksItRevoked_AndKeepsTheFirstRevocationTime()
    {
        await Keys.CreateApiKeyAsync(NewKey("key_1", "pref0001"), CancellationToken.None);

        Assert.True(await Keys.RevokeApiKeyAsync("tenant-a", "key_1", T0.AddMinutes(5), CancellationToken.None));
        Assert.True(await Keys.RevokeApiKeyAsync("tenant-a", "key_1", T0.AddMinutes(9), CancellationToken.None));

        var found = await Keys.FindApiKeyByPrefixAsync("pref0001", CancellationToken.None);
        Assert.True(found!.IsRevoked);
        Assert.Equal(T0.AddMinutes(5), found.RevokedAt);
        Assert.Equal(T0.AddMinutes(5), (await Keys.ListApiKeysAsync("tenant-a", CancellationToken.None)).Single().RevokedAt);
    }

    [StoreFact]
    public async Task RevokeApiKey_OfAnotherTenantOrUnknown_ReturnsFalseAndChangesNothing()
    {
        await Keys.CreateApiKeyAsync(NewKey("key_1", "pref0001", tenantId: "tenant-a"), CancellationToken.None);

        Assert.False(await Keys.RevokeApiKeyAsync("tenant-b", "key_1", T0, CancellationToken.None));
        Assert.False(await Keys.RevokeApiKeyAsync("tenant-a", "key_missing", T0, CancellationToken.None));

        Assert.False((await Keys.FindApiKeyByPrefixAsync("pref0001", CancellationToken.None))!.IsRevoked);
    }

    [StoreFact]
    public async Task TouchApiKey_RecordsLastUse_NeverMovingBack()
    {
        await Keys.CreateApiKeyAsync(NewKey("key_1", "pref0001"), CancellationToken.None);

        await Keys.TouchApiKeyAsync("key_1", T0.AddMinutes(3), CancellationToken.None);
        await Keys.TouchApiKeyAsync("key_1", T0.AddMinutes(1), CancellationToken.None);

        Assert.Equal(T0.AddMinutes(3), (await Keys.FindApiKeyByPrefixAsync("pref0001", CancellationToken.None))!.LastUsedAt);
    }
}
