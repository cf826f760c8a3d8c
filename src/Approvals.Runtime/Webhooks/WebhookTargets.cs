using System.Net;
using System.Net.Sockets;

namespace Approvals.Runtime.Webhooks;

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
    /// True for addresses a webhook must not reach: unspecified, loopback, private (RFC 1918), shared
    /// (100.64/10), link-local, unique-local, multicast, broadcast, reserved and documentation-free
    /// special ranges, for IPv4 and IPv6, including IPv4 addresses embedded in IPv6 ones.
    /// </summary>
    public static bool IsInternal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return IsInternal(address.MapToIPv4());
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 or 10 or 127 => true,
                100 => b[1] >= 64 && b[1] <= 127,
                169 => b[1] == 254,
                172 => b[1] >= 16 && b[1] <= 31,
                192 => (b[1] == 168) || (b[1] == 0 && b[2] == 0),
                198 => b[1] == 18 || b[1] == 19,
                >= 224 => true, // multicast, reserved, broadcast
                _ => false,
            };
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6Loopback)
                || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal)
            {
                return true;
            }
            var b = address.GetAddressBytes();
            // ::a.b.c.d (IPv4-compatible) and 64:ff9b::a.b.c.d (NAT64) carry an IPv4 address in the last four bytes.
            var compatible = b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0;
            var nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0;
            if (compatible || nat64)
            {
                return IsInternal(new IPAddress(b.AsSpan(12, 4)));
            }
            // 2002::/16 (6to4) carries an IPv4 address in bytes 2–5.
            if (b[0] == 0x20 && b[1] == 0x02)
            {
                return IsInternal(new IPAddress(b.AsSpan(2, 4)));
            }
            return false;
        }
        return true;
    }
}

/// <summary>A send was refused because the target resolved only to internal addresses.</summary>
public sealed class WebhookTargetRefusedException(string host)
    : Exception($"The webhook target '{host}' resolves only to internal addresses, which webhooks may not reach.");
