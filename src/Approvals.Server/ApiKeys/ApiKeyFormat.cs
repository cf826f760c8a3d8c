using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Approvals.Server.ApiKeys;

/// <summary>
/// The text of an API key: <c>ak_</c>, an 8-character lookup prefix, <c>_</c>, and a 32-character
/// secret, both lower-case Crockford base32 of fresh random bytes (40 and 160 bits).
/// </summary>
public static class ApiKeyFormat
{
    public const string Marker = "ak_";

    public const int PrefixLength = 8;

    /// <summary>160 bits; anything of 128 bits or more would do (see <see cref="Hash"/>).</summary>
    public const int SecretLength = 32;

    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    private static readonly SearchValues<char> AlphabetChars = SearchValues.Create(Alphabet);

    /// <summary>The full length of a key.</summary>
    public const int Length = 3 + PrefixLength + 1 + SecretLength;

    /// <summary>A new random key and its prefix.</summary>
    public static (string Key, string Prefix) Generate()
    {
        var prefix = RandomBase32(PrefixLength);
        return ($"{Marker}{prefix}_{RandomBase32(SecretLength)}", prefix);
    }

    /// <summary>The prefix of a well-formed key; false for anything else (no storage is read for those).</summary>
    public static bool TryParse(string text, out string prefix)
    {
        prefix = "";
        if (text.Length != Length || !text.StartsWith(Marker, StringComparison.Ordinal) || text[Marker.Length + PrefixLength] != '_')
        {
            return false;
        }
        var prefixPart = text.AsSpan(Marker.Length, PrefixLength);
        var secretPart = text.AsSpan(Marker.Length + PrefixLength + 1);
        if (prefixPart.ContainsAnyExcept(AlphabetChars) || secretPart.ContainsAnyExcept(AlphabetChars))
        {
            return false;
        }
        prefix = prefixPart.ToString();
        return true;
    }

    /// <summary>
    /// SHA-256 of the whole key. A fast hash is enough here, unlike for passwords: the key holds at
    /// least 128 random bits, so guessing it from a leaked hash is infeasible however fast the hash is.
    /// </summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>True when <paramref name="key"/> hashes to <paramref name="storedHash"/>, compared in constant time.</summary>
    public static bool Matches(string key, byte[] storedHash) => CryptographicOperations.FixedTimeEquals(Hash(key), storedHash);

    private static string RandomBase32(int length)
    {
        // 32 divides 256, so taking each random byte modulo 32 keeps every character uniform.
        Span<byte> bytes = stackalloc byte[length];
        RandomNumberGenerator.Fill(bytes);
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[bytes[i] & 31];
        }
        return new string(chars);
    }
}
