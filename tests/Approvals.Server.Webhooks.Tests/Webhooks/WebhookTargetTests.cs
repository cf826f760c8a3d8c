using System.Net;
using System.Text.Json.Nodes;
using Approvals.Runtime.Webhooks;
using Approvals.Server.Webhooks.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Approvals.Server.Webhooks.Tests.Webhooks;

/// <summary>A server with the default settings: internal targets are refused (SQLite; storage plays no part).</summary>
public sealed class DefaultSettingsServer : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"approvals-webhook-ssrf-{Guid.NewGuid():N}");
    private ServerFactory? _factory;

    public HttpClient Client { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _factory = new ServerFactory(new Dictionary<string, string?> { ["Approvals:DataFolder"] = _folder });
        Client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>Webhooks may not target the server's own network (SSRF).</summary>
public sealed class WebhookTargetTests(DefaultSettingsServer server) : IClassFixture<DefaultSettingsServer>
{
    private readonly Caller _admin = new("ada", "Ada Admin", $"t_{Guid.NewGuid():N}", ["admin"]);

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
    public async Task Create_WithAnInternalTarget_IsRefused(string url)
    {
        var reply = await new Api(server.Client).PostAsync("/v1/webhooks", _admin, new JsonObject { ["url"] = url, ["events"] = new JsonArray("*") });

        Assert.True(reply.Status == HttpStatusCode.BadRequest, reply.ToString());
        Assert.Equal("validation_error", reply.Json["code"]!.GetValue<string>());
        Assert.True(reply.Json["errors"]!.AsObject().ContainsKey("url"), reply.ToString());
        Assert.Empty((await new Api(server.Client).GetAsync("/v1/webhooks", _admin)).Json["data"]!.AsArray());
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
    public void IsInternal_ClassifiesAddresses(string address, bool isInternal) =>
        Assert.Equal(isInternal, WebhookTargets.IsInternal(IPAddress.Parse(address)));
}
