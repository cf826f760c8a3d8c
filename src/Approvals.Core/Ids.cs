using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Approvals.Core;

/// <summary>
/// Opaque ids with a type prefix (<c>apr_</c>, <c>evt_</c>, …): 48 bits of milliseconds then 80
/// random bits, in lower-case Crockford base32, so ids sort roughly by creation time.
/// </summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>
    /// The same id every time for the same <paramref name="seed"/>: lets an effect that may run more
    /// than once (filing a workflow step's approval) create one thing only.
    /// </summary>
    public static string Derive(string prefix, string seed)
    {
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed));
        return Encode(prefix, BinaryPrimitives.ReadUInt128BigEndian(hash.AsSpan(0, 16)));
    }

    /// <summary>A new id with <paramref name="prefix"/> (without the underscore), stamped at <paramref name="now"/>.</summary>
    public static string New(string prefix, DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        var millis = (ulong)now.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(millis >> (8 * (5 - i)));
        }
        RandomNumberGenerator.Fill(bytes[6..]);
        // 128 bits as 26 base32 digits, most significant first.
        return Encode(prefix, BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    private static string Encode(string prefix, UInt128 value)
    {
        Span<char> chars = stackalloc char[26];
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return $"{prefix}_{chars}";
    }
}
