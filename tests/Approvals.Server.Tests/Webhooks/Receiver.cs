using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Approvals.Server.Tests.Webhooks;

/// <summary>One request as the receiver got it.</summary>
public sealed record ReceivedHook(string? Id, string? Timestamp, string? Signature, string Body, bool Accepted);

/// <summary>
/// A webhook endpoint: a small Kestrel app on 127.0.0.1 and a free port, answering 204 while up and
/// 503 while down, and keeping every request it got.
/// </summary>
public sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile bool _down;

    private Receiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedHook> Received { get; } = new();

    /// <summary>The URL to subscribe.</summary>
    public string Url { get; private set; } = "";

    public bool Down
    {
        get => _down;
        set => _down = value;
    }

    public static async Task<Receiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var receiver = new Receiver(app);
        app.MapPost("/hook", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            var accepted = !receiver.Down;
            receiver.Received.Enqueue(new ReceivedHook(http.Request.Headers["webhook-id"], http.Request.Headers["webhook-timestamp"],
                http.Request.Headers["webhook-signature"], body, accepted));
            return accepted ? Results.NoContent() : Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Url = $"{address}/hook";
        return receiver;
    }

    /// <summary>Waits, polling, until <paramref name="condition"/> holds; fails after <paramref name="deadline"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string failure)
    {
        var elapsed = Stopwatch.StartNew();
        while (!await condition())
        {
            if (elapsed.Elapsed > deadline)
            {
                throw new Xunit.Sdk.XunitException($"{failure} within {deadline.TotalSeconds} s");
            }
            await Task.Yield();
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
