using System.Net;
using System.Net.Sockets;

namespace Approvals.Server.Webhooks;

/// <summary>
/// Decides which webhook targets are allowed: absolute http(s) URLs whose addresses are public. The
/// same test runs when a subscription is created and on the address actually connected to at send time.
/// </summary>
public static class WebhookTargets
{
    /// <summary>Why <paramref name="url"/> is refused as a target, or null when it is acceptable.</summary>
    /// <remarks>A host that does not resolve now is accepted; it is checked again on every send.</remarks>
    public static async Task<string?> RefusalAsync(string url, bool allowPrivateTargets, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
        {
            return "url must be an absolute http or https URL.";
        }
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "url must not carry credentials.";
        }
        if (allowPrivateTargets)
        {
            return null;
        }
        var host = uri.IdnHost.Trim('[', ']').TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return Refused(host);
        }
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            }
            catch (SocketException)
            {
                return null;
            }
        }
        return addresses.Any(IsInternal) ? Refused(host) : null;
    }

    private static string Refused(string host) =>
        $"url's host '{host}' is in a loopback, private, link-local or otherwise internal range, which webhooks may not target.";

    /// <summary>
    /// True for addresses a webhook must not reach: anything but public unicast. For IPv4: "this network",
    /// private (RFC 1918), shared (100.64/10), loopback, link-local (cloud metadata), IETF protocol
    /// assignments, documentation, benchmarking, the deprecated 6to4 relay anycast, multicast, reserved and
    /// broadcast, and Azure's platform endpoint. For IPv6: everything outside global unicast (2000::/3),
    /// which covers loopback, unspecified, IPv4-compatible, SIIT (::ffff:0:0/96), local-use NAT64
    /// (64:ff9b:1::/48), discard, unique-local, link-local, site-local and multicast; and inside it the IETF
    /// protocol assignments (2001::/23, with Teredo) and documentation. An IPv6 address that a translator
    /// or relay turns into an IPv4 one (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by the
    /// IPv4 address it carries. Used on the literal or resolved host at creation and on every address the
    /// sender connects to.
    /// </summary>
    public static bool IsInternal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsInternalV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IsInternalV6(address.GetAddressBytes()),
            _ => true,
        };
    }

    private static bool IsInternalV4(ReadOnlySpan<byte> b) => b[0] switch
    {
        0 or 10 or 127 => true,
        100 => b[1] is >= 64 and <= 127,
        169 => b[1] == 254,
        172 => b[1] is >= 16 and <= 31,
        192 => b[1] == 168
            || (b[1] == 0 && b[2] is 0 or 2) // IETF protocol assignments, TEST-NET-1
            || (b[1] == 88 && b[2] == 99), // 6to4 relay anycast: a relay would carry the request on
        198 => b[1] is 18 or 19 || (b[1] == 51 && b[2] == 100), // benchmarking, TEST-NET-2
        203 => b[1] == 0 && b[2] == 113, // TEST-NET-3
        // Azure's wireserver: a public address, but every Azure VM reaches the platform (its DNS,
        // metadata and agent channel) there, so it is as internal as 169.254.169.254.
        168 => b[1] == 63 && b[2] == 129 && b[3] == 16,
        >= 224 => true, // multicast, reserved, broadcast
        _ => false,
    };

    private static bool IsInternalV6(ReadOnlySpan<byte> b)
    {
        // ::ffff:a.b.c.d (IPv4-mapped): a dual-stack socket connects to the IPv4 address itself.
        if (b[..10].IndexOfAnyExcept((byte)0) < 0 && b[10] == 0xff && b[11] == 0xff)
        {
            return IsInternalV4(b[12..]);
        }
        // 64:ff9b::/96 (well-known NAT64, RFC 6052): the translator connects to the IPv4 address in the last
        // four bytes. Its local-use sibling 64:ff9b:1::/48 (RFC 8215) maps to whatever the operator chose,
        // so it is refused below with everything else outside global unicast.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return IsInternalV4(b[12..]);
        }
        // Only 2000::/3 is routed on the internet. Outside it, everything is special: ::1, ::, ::a.b.c.d
        // (IPv4-compatible, deprecated), ::ffff:0:a.b.c.d (SIIT), 64:ff9b:1::/48, 100::/64, fc00::/7,
        // fe80::/10, fec0::/10, ff00::/8.
        if ((b[0] & 0xe0) != 0x20)
        {
            return true;
        }
        // 2002::/16 (6to4): the relay connects to the IPv4 address in bytes 2 to 5.
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsInternalV4(b[2..6]);
        }
        // 2001::/23, IETF protocol assignments: Teredo (2001::/32), whose relays reach the IPv4 host hidden
        // in the address, benchmarking, ORCHID and the like; no webhook lives there. 2001:db8::/32 and
        // 3fff::/20 are for documentation.
        return (b[0] == 0x20 && b[1] == 0x01 && b[2] <= 0x01)
            || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
            || (b[0] == 0x3f && b[1] == 0xff && b[2] < 0x10);
    }
}

/// <summary>A send was refused because the target resolved only to internal addresses.</summary>
public sealed class WebhookTargetRefusedException(string host)
    : Exception($"The webhook target '{host}' resolves only to internal addresses, which webhooks may not reach.");
