using System.Xml.Linq;
using Approvals.Core.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Approvals.Server.Inbox;

/// <summary>
/// ASP.NET Core data protection (the keys behind the inbox's anti-forgery tokens and, with OIDC, its cookie
/// sessions) with its key ring in our database (<see cref="IKeyRingStore"/>): every node on the database
/// reads and writes the same ring, so a token or cookie one node issued is accepted by every other, and
/// the keys outlive restarts with nothing to configure.
/// </summary>
/// <remarks>
/// The keys are stored unencrypted, as the key manager writes them without an XML encryptor. Who can read
/// the database can then forge anti-forgery tokens, which help nobody without the person's session, and
/// (with OIDC only) inbox sessions. Encrypting them would need a secret that every node holds and the
/// database does not: the token signing key is one (it is kept in settings or the data folder, never in the
/// database) but an OIDC set-up, the case where it would matter, has none. The database already holds
/// what it must to run (webhook secrets, every request and its context), so its access is guarded as the
/// nodes' is; the README's configuration section says so.
/// </remarks>
public static class InboxKeyRing
{
    /// <summary>Isolates this server's protected payloads from other applications sharing a key ring.</summary>
    public const string ApplicationName = "approvals";

    /// <summary>Data protection for the inbox, its keys in the registered <see cref="IKeyRingStore"/>.</summary>
    public static IServiceCollection AddInboxKeyRing(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        // As PersistKeysToFileSystem does: the repository is an option of the key manager, set after its defaults.
        services.AddOptions<KeyManagementOptions>().Configure<IKeyRingStore>((options, store) => options.XmlRepository = new StoreXmlRepository(store));
        return services;
    }
}

/// <summary>The key manager's repository over <see cref="IKeyRingStore"/>: elements by friendly name, as XML text.</summary>
public sealed class StoreXmlRepository(IKeyRingStore store) : IXmlRepository
{
    // IXmlRepository is synchronous. The key manager calls it rarely (at start, when its cached ring is a day
    // old, for a key it does not know shortly after start, when it adds a key), once for all requests, and
    // ASP.NET Core has no synchronization context to deadlock on: blocking on the store here costs little.
    public IReadOnlyCollection<XElement> GetAllElements() =>
        store.ReadKeyRingAsync(CancellationToken.None).GetAwaiter().GetResult()
            .Select(e => XElement.Parse(e.Xml, LoadOptions.PreserveWhitespace))
            .ToList();

    // A name that is already there (another node stored the same element first) is no failure: the key
    // manager never changes an element it wrote, so the stored one is as good. The key manager always
    // names its elements; a caller that gives no name gets a fresh one, as the file-system repository does.
    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        var name = string.IsNullOrWhiteSpace(friendlyName) ? $"element-{Guid.NewGuid():D}" : friendlyName;
        store.AddKeyRingElementAsync(new KeyRingElement(name, element.ToString(SaveOptions.DisableFormatting)), CancellationToken.None)
            .GetAwaiter().GetResult();
    }
}
