namespace Approvals.Core.Storage;

/// <summary>One element of the server's data-protection key ring: an XML document, under the name its writer gave it.</summary>
/// <param name="FriendlyName">The element's name (a key's is <c>key-&lt;guid&gt;</c>), unique in the ring.</param>
/// <param name="Xml">The element as XML text, stored and returned unchanged.</param>
public sealed record KeyRingElement(string FriendlyName, string Xml);

/// <summary>
/// Where the key ring of ASP.NET Core data protection lives: the keys that protect the reviewer inbox's
/// anti-forgery tokens and cookie sessions. It is in the database so that every node on it reads the same
/// ring (a token one node issued is accepted by the others) and so that it outlives restarts. The key
/// manager only ever adds elements: a key's expiry is inside it, and a revocation is an element of its own.
/// </summary>
public interface IKeyRingStore
{
    /// <summary>Every element, in the order they were added.</summary>
    Task<IReadOnlyList<KeyRingElement>> ReadKeyRingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Adds an element. False, storing nothing and failing nothing, when an element of that name is
    /// already there: the first one stays, so two nodes that store the same element at once store it once.
    /// </summary>
    Task<bool> AddKeyRingElementAsync(KeyRingElement element, CancellationToken cancellationToken);
}
