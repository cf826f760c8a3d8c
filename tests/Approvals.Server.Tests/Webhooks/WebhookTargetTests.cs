using System.Net;
using System.Text.Json.Nodes;
using Approvals.Server.Webhooks;
using Approvals.Server.Tests.Support;

namespace Approvals.Server.Tests.Webhooks;

/// <summary>
/// Webhooks may not target the server's own network (SSRF): the shared server has the default
/// settings, so internal targets are refused (SQLite; storage plays no part).
/// </summary>
[Collection(SqliteServerCollection.Name)]
public sealed class WebhookTargetTests(SqliteServer server) : ServerTests<SqliteServer>(server)
{
    private Caller Admin => Person("ada", "Ada Admin", "admin");

    [Theory]
    [InlineData("http://127.0.0.1/hook")]
    [InlineData("http://127.8.9.10:8080/hook")]
    [InlineData("http://10.0.0.1/hook")]
    [InlineData("http://172.16.5.4/hook")]
    [InlineData("http://192.168.1.1/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://100.64.0.1/hook")]
    [InlineData("http://0.0.0.0/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[::]/hook")]
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://[::ffff:169.254.169.254]/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://localhost:5080/hook")]
    [InlineData("http://api.localhost/hook")]
    [InlineData("http://224.0.0.1/hook")]
    [InlineData("http://[::ffff:0:7f00:1]/hook")]
    [InlineData("http://[::ffff:0:a9fe:a9fe]/latest/meta-data")]
    [InlineData("http://[64:ff9b:1::7f00:1]/hook")]
    [InlineData("http://[64:ff9b:1::808:808]/hook")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/latest/meta-data")]
    [InlineData("http://[64:ff9b::127.0.0.1]/hook")]
    [InlineData("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook")]
    [InlineData("http://[2001::1]/hook")]
    [InlineData("http://[2002:c0a8:101::1]/hook")]
    [InlineData("http://[::127.0.0.1]/hook")]
    [InlineData("http://[::8.8.8.8]/hook")]
    [InlineData("http://168.63.129.16/machine")]
    [InlineData("http://[::ffff:168.63.129.16]/machine")]
    [InlineData("http://192.0.2.1/hook")]
    [InlineData("http://[2001:db8::1]/hook")]
    public async Task Create_WithAnInternalTarget_IsRefused(string url)
    {
        var reply = await Api.PostAsync("/v1/webhooks", Admin, new JsonObject { ["url"] = url, ["events"] = new JsonArray("*") });

        Assert.True(reply.Status == HttpStatusCode.BadRequest, reply.ToString());
        Assert.Equal("validation_error", reply.Json["code"]!.GetValue<string>());
        Assert.True(reply.Json["errors"]!.AsObject().ContainsKey("url"), reply.ToString());
        Assert.Empty((await Api.GetAsync("/v1/webhooks", Admin)).Json["data"]!.AsArray());
    }

    [Theory]
    [InlineData("8.8.8.8", false)]
    [InlineData("93.184.215.14", false)]
    [InlineData("2606:4700::1111", false)]
    [InlineData("::ffff:8.8.8.8", false)]
    [InlineData("127.0.0.1", true)]
    [InlineData("172.31.255.255", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("198.18.0.1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("fc00::1", true)]
    [InlineData("ff02::1", true)]
    [InlineData("64:ff9b::10.0.0.1", true)]
    [InlineData("2002:a9fe:a9fe::1", true)]
    [InlineData("::127.0.0.1", true)]
    // IPv4: every special-purpose range, and its public neighbours.
    [InlineData("0.1.2.3", true)]
    [InlineData("10.255.255.255", true)]
    [InlineData("11.0.0.1", false)]
    [InlineData("100.63.255.255", false)]
    [InlineData("100.64.0.1", true)]
    [InlineData("100.127.255.255", true)]
    [InlineData("100.128.0.1", false)]
    [InlineData("127.255.255.254", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("169.253.1.1", false)]
    [InlineData("172.15.255.255", false)]
    [InlineData("172.16.0.1", true)]
    [InlineData("192.0.0.8", true)]
    [InlineData("192.0.1.1", false)]
    [InlineData("192.0.2.1", true)]
    [InlineData("192.88.99.1", true)]
    [InlineData("192.88.98.1", false)]
    [InlineData("192.168.0.1", true)]
    [InlineData("192.169.0.1", false)]
    [InlineData("198.17.255.255", false)]
    [InlineData("198.19.255.255", true)]
    [InlineData("198.20.0.1", false)]
    [InlineData("198.51.100.7", true)]
    [InlineData("203.0.113.7", true)]
    [InlineData("203.0.114.7", false)]
    [InlineData("168.63.129.16", true)]
    [InlineData("168.63.129.17", false)]
    [InlineData("223.255.255.255", false)]
    [InlineData("224.0.0.251", true)]
    [InlineData("240.0.0.1", true)]
    // IPv6 outside global unicast (2000::/3): never reachable on the internet.
    [InlineData("::", true)]
    [InlineData("::1", true)]
    [InlineData("::8.8.8.8", true)] // IPv4-compatible (deprecated), whatever it embeds
    [InlineData("::ffff:0:7f00:1", true)] // SIIT, ::ffff:0:0/96
    [InlineData("::ffff:0:808:808", true)]
    [InlineData("64:ff9b:1::7f00:1", true)] // local-use NAT64, RFC 8215
    [InlineData("64:ff9b:1::808:808", true)]
    [InlineData("100::1", true)] // discard-only
    [InlineData("fe80::1", true)]
    [InlineData("fec0::1", true)] // site-local (deprecated)
    [InlineData("fd12:3456::1", true)]
    [InlineData("ff05::2", true)]
    [InlineData("1fff:ffff::1", true)]
    [InlineData("4000::1", true)]
    // Embedded IPv4 that a translator or relay connects to: judged by that address.
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("::ffff:168.63.129.16", true)]
    [InlineData("64:ff9b::127.0.0.1", true)]
    [InlineData("64:ff9b::169.254.169.254", true)]
    [InlineData("64:ff9b::168.63.129.16", true)]
    [InlineData("64:ff9b::8.8.8.8", false)] // NAT64 of a public address, as DNS64 hands out
    [InlineData("64:ff9b:0:0:1::8.8.8.8", true)] // not in the /96: outside 2000::/3
    [InlineData("2002:0a00:0001::1", true)]
    [InlineData("2002:c0a8:0101::1", true)]
    [InlineData("2002:0808:0808::1", false)]
    // Inside 2000::/3: IETF protocol assignments, Teredo and documentation.
    [InlineData("2001::1", true)] // Teredo, 2001::/32
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", true)]
    [InlineData("2001:2::1", true)] // benchmarking
    [InlineData("2001:1ff:ffff::1", true)] // end of 2001::/23
    [InlineData("2001:200::1", false)] // first allocated block after it
    [InlineData("2001:db8::1", true)]
    [InlineData("2001:db9::1", false)]
    [InlineData("3fff::1", true)]
    [InlineData("3fff:1000::1", false)]
    [InlineData("2a00:1450:4001:80b::200e", false)]
    public void IsInternal_ClassifiesAddresses(string address, bool isInternal) =>
        Assert.Equal(isInternal, WebhookTargets.IsInternal(IPAddress.Parse(address)));
}
