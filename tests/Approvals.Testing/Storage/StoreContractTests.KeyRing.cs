using System.Security.Cryptography;
using Approvals.Core.Storage;

namespace Approvals.Testing.Storage;

/// <summary>The data-protection key ring: elements kept as written, in the order added, one per name.</summary>
public abstract partial class StoreContractTests
{
    private IKeyRingStore KeyRing => Stores.KeyRing;

    /// <summary>An element shaped as the key manager writes a key (its master key in the clear, as it is stored).</summary>
    private static KeyRingElement NewKeyElement(Guid id, DateTimeOffset created) => new(
        $"key-{id:D}",
        $"""<key id="{id:D}" version="1"><creationDate>{created:O}</creationDate><activationDate>{created:O}</activationDate><expirationDate>{created.AddDays(90):O}</expirationDate><descriptor deserializerType="Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.AuthenticatedEncryptorDescriptorDeserializer, Microsoft.AspNetCore.DataProtection"><descriptor><encryption algorithm="AES_256_CBC" /><validation algorithm="HMACSHA256" /><masterKey p4:requiresEncryption="true" xmlns:p4="http://schemas.asp.net/2015/03/dataProtection"><!-- Warning: the key below is in an unencrypted form. --><value>{Convert.ToBase64String(RandomNumberGenerator.GetBytes(64))}</value></masterKey></descriptor></descriptor></key>""");

    [StoreFact]
    public async Task ReadKeyRing_WhenNothingWasAdded_IsEmpty()
    {
        Assert.Empty(await KeyRing.ReadKeyRingAsync(CancellationToken.None));
    }

    [StoreFact]
    public async Task AddKeyRingElements_ThenRead_ReturnsEachExactly_InTheOrderAdded()
    {
        // Names chosen so that neither name order nor reverse order is the order added.
        var elements = new[]
        {
            NewKeyElement(Guid.Parse("bbbbbbbb-0000-0000-0000-000000000001"), T0),
            NewKeyElement(Guid.Parse("cccccccc-0000-0000-0000-000000000002"), T0.AddDays(88)),
            new KeyRingElement("revocation-20260401T090000Z", "<revocation version=\"1\">\n  <revocationDate>2026-04-01T09:00:00Z</revocationDate>\n  <key id=\"*\" />\n  <reason>Rotated — “by hand” ✓</reason>\n</revocation>"),
            NewKeyElement(Guid.Parse("aaaaaaaa-0000-0000-0000-000000000003"), T0.AddDays(176)),
        };
        foreach (var element in elements)
        {
            Assert.True(await KeyRing.AddKeyRingElementAsync(element, CancellationToken.None));
        }

        Assert.Equal(elements, await KeyRing.ReadKeyRingAsync(CancellationToken.None));
    }

    [StoreFact]
    public async Task AddKeyRingElement_NameTaken_ReturnsFalse_AndKeepsTheFirst()
    {
        var id = Guid.NewGuid();
        var first = NewKeyElement(id, T0);
        Assert.True(await KeyRing.AddKeyRingElementAsync(first, CancellationToken.None));

        Assert.False(await KeyRing.AddKeyRingElementAsync(first, CancellationToken.None));
        Assert.False(await KeyRing.AddKeyRingElementAsync(NewKeyElement(id, T0.AddMinutes(1)), CancellationToken.None));

        Assert.Equal([first], await KeyRing.ReadKeyRingAsync(CancellationToken.None));
    }

    [StoreFact]
    public async Task AddKeyRingElement_SameNameFromManyWritersAtOnce_StoresItOnce_AndNoneFails()
    {
        var id = Guid.NewGuid();
        var other = NewKeyElement(Guid.NewGuid(), T0);
        Assert.True(await KeyRing.AddKeyRingElementAsync(other, CancellationToken.None));
        // Eight writers (nodes creating the same element) with contents of their own, all at once.
        var contenders = Enumerable.Range(0, 8).Select(i => NewKeyElement(id, T0.AddSeconds(i))).ToList();

        var added = await Task.WhenAll(contenders.Select(e => Task.Run(() => KeyRing.AddKeyRingElementAsync(e, CancellationToken.None))));

        var winner = contenders[Assert.Single(Enumerable.Range(0, added.Length), i => added[i])];
        Assert.Equal([other, winner], await KeyRing.ReadKeyRingAsync(CancellationToken.None));
    }
}
