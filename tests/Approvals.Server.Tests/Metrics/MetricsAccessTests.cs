using System.Net;
using System.Security.Claims;
using Approvals.Server.Metrics;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Tests.Metrics;

/// <summary>
/// The rule of <see cref="MetricsAccessHandler"/> on its own, including <c>Approvals:Metrics:AllowAnonymous</c>, which
/// the shared test servers leave off (a SQLite server cannot be started twice on one folder to try both).
/// </summary>
public sealed class MetricsAccessTests
{
    private static readonly IPAddress Elsewhere = IPAddress.Parse("203.0.113.7");

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.255.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::", false)]
    [InlineData("0.0.0.0", false)]
    public void Loopback_IsOnlyThisMachine(string address, bool loopback) =>
        Assert.Equal(loopback, MetricsAccessHandler.IsLoopback(IPAddress.Parse(address)));

    [Fact]
    public void NoAddress_IsNotLoopback() => Assert.False(MetricsAccessHandler.IsLoopback(null));

    [Fact]
    public async Task Anonymous_FromElsewhere_IsRefused_UnlessAllowAnonymous()
    {
        Assert.False(await SucceedsAsync(new MetricsOptions(), Elsewhere, new ClaimsPrincipal(new ClaimsIdentity())));
        Assert.True(await SucceedsAsync(new MetricsOptions { AllowAnonymous = true }, Elsewhere, new ClaimsPrincipal(new ClaimsIdentity())));
        Assert.True(await SucceedsAsync(new MetricsOptions { AllowAnonymous = true }, null, new ClaimsPrincipal(new ClaimsIdentity())));
    }

    [Fact]
    public async Task FromElsewhere_OnlyAnAdminPasses()
    {
        Assert.True(await SucceedsAsync(new MetricsOptions(), Elsewhere, Person("admin")));
        Assert.False(await SucceedsAsync(new MetricsOptions(), Elsewhere, Person("reviewer", "manager", "security_manager")));
    }

    [Fact]
    public async Task FromLoopback_AnyonePasses() =>
        Assert.True(await SucceedsAsync(new MetricsOptions(), IPAddress.Loopback, new ClaimsPrincipal(new ClaimsIdentity())));

    private static ClaimsPrincipal Person(params string[] roles) => new(new ClaimsIdentity(
        [new Claim("sub", "pat"), new Claim("name", "Pat"), .. roles.Select(r => new Claim("role", r))], "Bearer", "name", "role"));

    private static async Task<bool> SucceedsAsync(MetricsOptions options, IPAddress? remote, ClaimsPrincipal user)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = remote;
        var requirement = new MetricsAccessRequirement();
        var context = new AuthorizationHandlerContext([requirement], user, http);
        await new MetricsAccessHandler(Options.Create(options)).HandleAsync(context);
        return context.HasSucceeded;
    }
}
